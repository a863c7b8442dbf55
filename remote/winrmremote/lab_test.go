package winrmremote_test

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"patchbay/remote/lab/hostexec"
	"patchbay/remote/winrmremote"
)

// labHost emulates a Windows host for the tests. It runs a few cmd.exe
// lines ("echo", "exit /b", "type") and lab commands, keeps files in
// memory, applies CopyFile scripts, and runs PowerShell scripts whose body
// is one "lab:" directive.
type labHost struct {
	mu    sync.Mutex
	files map[string][]byte
}

func newLabHost() *labHost { return &labHost{files: map[string][]byte{}} }

func (h *labHost) Exec(ctx context.Context, req hostexec.Request) (int, error) {
	if script, ok := hostexec.DecodePowerShell(req.Command); ok {
		return h.powerShell(ctx, script, req)
	}
	verb, arg, _ := strings.Cut(req.Command, " ")
	switch verb {
	case "echo":
		return h.echo(arg, req)
	case "exit":
		return strconv.Atoi(strings.TrimPrefix(arg, "/b "))
	case "type":
		return h.typeFile(strings.Trim(arg, `"`), req)
	case "lab-stream":
		return labStream(ctx, req)
	case "lab-large":
		n, _ := strconv.Atoi(arg)
		_, err := io.Copy(req.Stdout, io.LimitReader(printable{}, int64(n)))
		return 0, err
	case "lab-binary":
		b := make([]byte, 256)
		for i := range b {
			b[i] = byte(i)
		}
		_, err := req.Stdout.Write(b)
		return 0, err
	case "lab-cat":
		_, err := io.Copy(req.Stdout, req.Stdin)
		return 0, err
	}
	fmt.Fprintf(req.Stderr, "'%s' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", verb)
	return 9009, nil
}

func (h *labHost) echo(arg string, req hostexec.Request) (int, error) {
	if text, ok := strings.CutSuffix(arg, " 1>&2"); ok {
		fmt.Fprintf(req.Stderr, "%s\r\n", text)
		return 0, nil
	}
	fmt.Fprintf(req.Stdout, "%s\r\n", arg)
	return 0, nil
}

func (h *labHost) typeFile(path string, req hostexec.Request) (int, error) {
	h.mu.Lock()
	data, ok := h.files[path]
	h.mu.Unlock()
	if !ok {
		fmt.Fprint(req.Stderr, "The system cannot find the file specified.\r\n")
		return 1, nil
	}
	_, err := req.Stdout.Write(data)
	return 0, err
}

// labStream prints "ready", stays silent for 30 s unless cancelled, then
// prints "done".
func labStream(ctx context.Context, req hostexec.Request) (int, error) {
	fmt.Fprint(req.Stdout, "ready\r\n")
	select {
	case <-ctx.Done():
		return 1, ctx.Err()
	case <-time.After(30 * time.Second):
	}
	fmt.Fprint(req.Stdout, "done\r\n")
	return 0, nil
}

// powerShell applies copies and runs "lab:" directives. Every script must
// carry the UTF-8 prelude, as winrmremote sends it.
func (h *labHost) powerShell(ctx context.Context, script string, req hostexec.Request) (int, error) {
	if spec, ok := winrmremote.ParseCopyScript(script); ok {
		return h.applyCopy(spec, req)
	}
	if !strings.Contains(script, "[Console]::OutputEncoding = New-Object Text.UTF8Encoding $false") {
		fmt.Fprint(req.Stderr, "lab: the script lacks the UTF-8 prelude\r\n")
		return 99, nil
	}
	if strings.Contains(script, "[Console]::OpenStandardInput()") && strings.Contains(script, "ScriptBlock") {
		body, err := io.ReadAll(req.Stdin) // a long script sent on standard input
		if err != nil {
			return 1, err
		}
		script = string(body)
	}
	_, rest, found := strings.Cut(script, "try {\nlab:")
	if !found {
		fmt.Fprint(req.Stderr, "lab: no directive in the script\r\n")
		return 98, nil
	}
	directive, _, _ := strings.Cut(rest, "\n")
	return runDirective(ctx, directive, req)
}

func (h *labHost) applyCopy(spec winrmremote.CopySpec, req hostexec.Request) (int, error) {
	data, err := winrmremote.ReadCopy(spec, req.Stdin)
	if err != nil {
		fmt.Fprintf(req.Stderr, "%v\r\n", err)
		return 1, nil
	}
	h.mu.Lock()
	h.files[spec.Path] = data
	h.mu.Unlock()
	return 0, nil
}

// errorCLIXML is what Windows PowerShell 5.1 writes to a redirected
// stderr for a failed Get-Service, in the serializer's layout.
const errorCLIXML = "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
	"<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>" +
	"<MS><I64 N=\"SourceId\">1</I64><PR N=\"Record\"><AV>Preparing modules for first use.</AV><AI>0</AI><Nil /><PI>-1</PI>" +
	"<PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR></MS></Obj>" +
	"<S S=\"Error\">Get-Service : Cannot find any service with service name 'EHRClient'._x000D__x000A_</S>" +
	"<S S=\"warning\">Service query took long.</S></Objs>"

func runDirective(ctx context.Context, directive string, req hostexec.Request) (int, error) {
	verb, arg, _ := strings.Cut(directive, " ")
	switch verb {
	case "echo":
		fmt.Fprintf(req.Stdout, "%s\r\n", arg)
		return 0, nil
	case "exit":
		return strconv.Atoi(arg)
	case "throw": // as the wrapper's catch block reports it
		fmt.Fprintf(req.Stderr, "%s\r\nAt line:6 char:1\r\n", arg)
		return 1, nil
	case "clixml":
		fmt.Fprint(req.Stderr, errorCLIXML)
		return 0, nil
	case "latin1":
		_, err := req.Stdout.Write([]byte("Stra\xdfe caf\xe9\r\n"))
		return 0, err
	case "stream":
		return labStream(ctx, req)
	}
	return 97, fmt.Errorf("unknown lab directive %q", verb)
}

// printable is an endless reader of printable ASCII.
type printable struct{}

func (printable) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	return len(p), nil
}

// file returns the content of a file on the emulated host.
func (h *labHost) file(path string) ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	data, ok := h.files[path]
	return data, ok
}
