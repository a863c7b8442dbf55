package wsman

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// WS-Management action URIs the server handles.
const (
	actionCreate  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	actionDelete  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	actionCommand = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
	actionReceive = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
	actionSend    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send"
	actionSignal  = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"

	stateRunning = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"
	stateDone    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
)

// Fault codes as Windows reports them in the WSManFault element.
const (
	codeTimedOut         = 2150858793
	codeInvalidSelectors = 2150858843
)

// request is the part of a WS-Management envelope the server reads.
type request struct {
	Action           string     `xml:"Header>Action"`
	MessageID        string     `xml:"Header>MessageID"`
	OperationTimeout string     `xml:"Header>OperationTimeout"`
	Selectors        []selector `xml:"Header>SelectorSet>Selector"`
	Body             body       `xml:"Body"`
}

type selector struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

type body struct {
	Command string   `xml:"CommandLine>Command"`
	Args    []string `xml:"CommandLine>Arguments"`
	Receive struct {
		CommandID string `xml:"CommandId,attr"`
	} `xml:"Receive>DesiredStream"`
	Send struct {
		CommandID string `xml:"CommandId,attr"`
		End       string `xml:"End,attr"`
		Data      string `xml:",chardata"`
	} `xml:"Send>Stream"`
	Signal struct {
		CommandID string `xml:"CommandId,attr"`
		Code      string `xml:"Code"`
	} `xml:"Signal"`
}

func parseRequest(data []byte) (*request, error) {
	var r request
	if err := xml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("parse SOAP envelope: %w", err)
	}
	if r.Action == "" || r.MessageID == "" {
		return nil, fmt.Errorf("parse SOAP envelope: missing Action or MessageID header")
	}
	return &r, nil
}

func (r *request) shellID() string {
	for _, s := range r.Selectors {
		if s.Name == "ShellId" {
			return strings.TrimSpace(s.Value)
		}
	}
	return ""
}

// operationTimeout parses the xs:duration the client sends, such as
// "PT20S" or "PT0.5S". Anything else gives 60 s, the WinRM default.
func (r *request) operationTimeout() time.Duration {
	s := strings.TrimSpace(r.OperationTimeout)
	if !strings.HasPrefix(s, "PT") || !strings.HasSuffix(s, "S") {
		return 60 * time.Second
	}
	d, err := time.ParseDuration(strings.ToLower(s[2:]))
	if err != nil || d <= 0 {
		return 60 * time.Second
	}
	return d
}

const envelopeHead = `<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault">
<s:Header><a:Action>%s</a:Action><a:MessageID>uuid:%s</a:MessageID><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:RelatesTo>%s</a:RelatesTo></s:Header>
<s:Body>`

const envelopeTail = `</s:Body></s:Envelope>`

func envelope(action, relatesTo, content string) []byte {
	head := fmt.Sprintf(envelopeHead, action, newID(), xmlEscape(relatesTo))
	return []byte(head + content + envelopeTail)
}

func createResponse(relatesTo, shellID string) []byte {
	content := fmt.Sprintf(`<x:ResourceCreated><a:Address>http://127.0.0.1/wsman</a:Address>`+
		`<a:ReferenceParameters><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI>`+
		`<w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>`+
		`<rsp:Shell><rsp:ShellId>%s</rsp:ShellId></rsp:Shell>`, shellID, shellID)
	return envelope(actionCreate+"Response", relatesTo, content)
}

func commandResponse(relatesTo, commandID string) []byte {
	content := fmt.Sprintf(`<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>`, commandID)
	return envelope(actionCommand+"Response", relatesTo, content)
}

func emptyResponse(action, relatesTo string) []byte {
	return envelope(action+"Response", relatesTo, "")
}

// chunk is one piece of output for a Receive response.
type chunk struct {
	stream string // "stdout" or "stderr"
	data   []byte
}

func receiveResponse(relatesTo, commandID string, chunks []chunk, done bool, exitCode int) []byte {
	var b strings.Builder
	b.WriteString(`<rsp:ReceiveResponse>`)
	for _, c := range chunks {
		fmt.Fprintf(&b, `<rsp:Stream Name="%s" CommandId="%s">%s</rsp:Stream>`,
			c.stream, commandID, encodeBase64(c.data))
	}
	if done {
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="%s" State="%s"><rsp:ExitCode>%d</rsp:ExitCode></rsp:CommandState>`,
			commandID, stateDone, exitCode)
	} else {
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="%s" State="%s"/>`, commandID, stateRunning)
	}
	b.WriteString(`</rsp:ReceiveResponse>`)
	return envelope(actionReceive+"Response", relatesTo, b.String())
}

// fault builds a SOAP fault as WinRM sends it: the subcode names the
// WS-Management fault and the WSManFault detail carries the Windows code.
func fault(relatesTo, subcode string, code int64, text string) []byte {
	content := fmt.Sprintf(`<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>%s</s:Value></s:Subcode></s:Code>`+
		`<s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason>`+
		`<s:Detail><f:WSManFault Code="%d" Machine="127.0.0.1"><f:Message>%s</f:Message></f:WSManFault></s:Detail></s:Fault>`,
		subcode, xmlEscape(text), code, xmlEscape(text))
	return envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relatesTo, content)
}

func timedOutFault(relatesTo string) []byte {
	return fault(relatesTo, "w:TimedOut", codeTimedOut,
		"The WS-Management service cannot complete the operation within the time specified in OperationTimeout.")
}

func invalidSelectorsFault(relatesTo string) []byte {
	return fault(relatesTo, "w:InvalidSelectors", codeInvalidSelectors,
		"The request for the Windows Remote Shell with ShellId failed because the shell was not found on the server. "+
			"Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server.")
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
