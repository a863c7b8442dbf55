package msrc

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// ErrInvalid is returned, wrapped with the details, for input that is not
// a complete CVRF 1.1 security update document.
var ErrInvalid = errors.New("invalid MSRC CVRF document")

// dateLayout is the tracking date form. It has no zone, so the dates are
// read as UTC.
const dateLayout = "2006-01-02T15:04:05"

type xmlProduct struct {
	ID   string `xml:"ProductID,attr"`
	Name string `xml:",chardata"`
}

type xmlTracking struct {
	ID             string `xml:"Identification>ID"`
	InitialRelease string `xml:"InitialReleaseDate"`
	CurrentRelease string `xml:"CurrentReleaseDate"`
}

type xmlVulnerability struct {
	Title   string `xml:"Title"`
	CVE     string `xml:"CVE"`
	Threats []struct {
		Type        string `xml:"Type,attr"`
		Description string `xml:"Description"`
	} `xml:"Threats>Threat"`
	Remediations []struct {
		Type        string   `xml:"Type,attr"`
		Description string   `xml:"Description"`
		URL         string   `xml:"URL"`
		Supersedes  string   `xml:"Supercedence"`
		ProductIDs  []string `xml:"ProductID"`
		Restart     string   `xml:"RestartRequired"`
		SubType     string   `xml:"SubType"`
		FixedBuild  string   `xml:"FixedBuild"`
	} `xml:"Remediations>Remediation"`
}

// Parse reads a CVRF 1.1 document as a token stream, decoding one product
// name or vulnerability at a time, so memory grows with the result and not
// with the notes and HTML tables the document also carries.
func Parse(r io.Reader) (*Document, error) {
	dec := xml.NewDecoder(r)
	doc := &Document{Products: map[string]string{}}
	sawRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntaxError(err, sawRoot)
		}
		if text, ok := tok.(xml.CharData); ok && !sawRoot {
			if err := checkProlog(text); err != nil {
				return nil, err
			}
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !sawRoot {
			if err := checkRoot(start); err != nil {
				return nil, err
			}
			sawRoot = true
			continue
		}
		if err := doc.decodeElement(dec, start); err != nil {
			return nil, err
		}
	}
	return doc.finish(sawRoot)
}

func syntaxError(err error, sawRoot bool) error {
	if !sawRoot {
		return fmt.Errorf("%w: expected CVRF XML, the input is not XML (%v): download the document again", ErrInvalid, err)
	}
	if strings.Contains(err.Error(), "unexpected EOF") {
		return fmt.Errorf("%w: the XML ends early, so the download is truncated: download it again", ErrInvalid)
	}
	return fmt.Errorf("%w: %v", ErrInvalid, err)
}

// checkProlog rejects text before the root element, which is what the
// JSON form of the same API or a plain-text error looks like.
func checkProlog(text xml.CharData) error {
	trimmed := strings.TrimSpace(string(text))
	if trimmed == "" {
		return nil
	}
	if len(trimmed) > 20 {
		trimmed = trimmed[:20] + "…"
	}
	return fmt.Errorf("%w: expected CVRF XML, the input is not XML (it starts with %q): export the document as CVRF XML", ErrInvalid, trimmed)
}

func checkRoot(start xml.StartElement) error {
	if start.Name.Local != "cvrfdoc" {
		return fmt.Errorf("%w: the root element is <%s>, expected <cvrfdoc> of a CVRF 1.1 document (an HTML page or the JSON form?): export the document as CVRF XML",
			ErrInvalid, start.Name.Local)
	}
	return nil
}

func (doc *Document) decodeElement(dec *xml.Decoder, start xml.StartElement) error {
	var err error
	switch start.Name.Local {
	case "DocumentTitle":
		err = dec.DecodeElement(&doc.Title, &start)
	case "DocumentTracking":
		err = doc.decodeTracking(dec, start)
	case "FullProductName":
		var p xmlProduct
		if err = dec.DecodeElement(&p, &start); err == nil {
			doc.Products[p.ID] = strings.TrimSpace(p.Name)
		}
	case "Vulnerability":
		var v xmlVulnerability
		if err = dec.DecodeElement(&v, &start); err == nil {
			doc.Vulnerabilities = append(doc.Vulnerabilities, v.vulnerability())
		}
	}
	if err != nil && strings.Contains(err.Error(), "unexpected EOF") {
		return syntaxError(err, true)
	}
	if err != nil {
		return fmt.Errorf("%w: in <%s>: %v", ErrInvalid, start.Name.Local, err)
	}
	return nil
}

func (doc *Document) decodeTracking(dec *xml.Decoder, start xml.StartElement) error {
	var t xmlTracking
	if err := dec.DecodeElement(&t, &start); err != nil {
		return err
	}
	doc.ID = strings.TrimSpace(t.ID)
	var err error
	if doc.InitialRelease, err = parseDate("InitialReleaseDate", t.InitialRelease); err != nil {
		return err
	}
	doc.CurrentRelease, err = parseDate("CurrentReleaseDate", t.CurrentRelease)
	return err
}

func parseDate(field, s string) (time.Time, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "Z")
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not a date like 2024-02-13T08:00:00", field, s)
	}
	return t, nil
}

func (x xmlVulnerability) vulnerability() Vulnerability {
	v := Vulnerability{CVE: strings.TrimSpace(x.CVE), Title: strings.TrimSpace(x.Title)}
	for _, t := range x.Threats {
		if t.Type == "Exploit Status" {
			v.ExploitStatus = strings.TrimSpace(t.Description)
		}
	}
	for _, r := range x.Remediations {
		if r.Type != "Vendor Fix" {
			continue
		}
		v.Fixes = append(v.Fixes, Fix{
			KB:          kbNumber(r.Description),
			Description: strings.TrimSpace(r.Description),
			URL:         strings.TrimSpace(r.URL),
			Supersedes:  strings.TrimSpace(r.Supersedes),
			ProductIDs:  r.ProductIDs,
			FixedBuild:  strings.TrimSpace(r.FixedBuild),
			SubType:     strings.TrimSpace(r.SubType),
			Restart:     strings.TrimSpace(r.Restart),
		})
	}
	return v
}

func (doc *Document) finish(sawRoot bool) (*Document, error) {
	switch {
	case !sawRoot:
		return nil, fmt.Errorf("%w: the input is empty", ErrInvalid)
	case doc.ID == "":
		return nil, fmt.Errorf("%w: missing DocumentTracking/Identification/ID", ErrInvalid)
	case len(doc.Products) == 0:
		return nil, fmt.Errorf("%w: document %s has no ProductTree products", ErrInvalid, doc.ID)
	}
	for _, v := range doc.Vulnerabilities {
		if v.CVE == "" {
			return nil, fmt.Errorf("%w: document %s has a vulnerability without a CVE", ErrInvalid, doc.ID)
		}
	}
	return doc, nil
}
