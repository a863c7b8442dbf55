package wsman

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"patchbay/remote/lab/hostexec"
)

// dispatch runs one SOAP request. A nil reply means the connection must
// be dropped without a response.
func (s *Server) dispatch(ctx context.Context, user string, data []byte) *reply {
	req, err := parseRequest(data)
	if err != nil {
		return &reply{http.StatusBadRequest, fault("", "w:InvalidMessageInformationHeader", 2150858817, err.Error())}
	}
	if req.Action == actionCreate {
		return s.createShell(req, user)
	}
	sh := s.lookupShell(req.shellID())
	if sh == nil {
		return &reply{http.StatusInternalServerError, invalidSelectorsFault(req.MessageID)}
	}
	switch req.Action {
	case actionDelete:
		s.deleteShell(sh)
		return &reply{http.StatusOK, emptyResponse(actionDelete, req.MessageID)}
	case actionCommand:
		return s.startCommand(req, sh)
	case actionSend:
		return s.send(req, sh)
	case actionReceive:
		return s.receive(ctx, req, sh)
	case actionSignal:
		return s.signal(req, sh)
	}
	return &reply{http.StatusInternalServerError,
		fault(req.MessageID, "a:ActionNotSupported", 2150858754, "unsupported action "+req.Action)}
}

func (s *Server) createShell(req *request, user string) *reply {
	sh := &shell{id: newID(), user: user, lost: make(chan struct{}), commands: map[string]*command{}}
	s.mu.Lock()
	s.shells[sh.id] = sh
	s.mu.Unlock()
	return &reply{http.StatusOK, createResponse(req.MessageID, sh.id)}
}

func (s *Server) lookupShell(id string) *shell {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.shells[id]
}

func (s *Server) deleteShell(sh *shell) {
	s.mu.Lock()
	delete(s.shells, sh.id)
	s.mu.Unlock()
	sh.close()
}

func (sh *shell) command(id string) *command {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.commands[id]
}

// exitTerminated is STATUS_CONTROL_C_EXIT (0xC000013A) as a signed 32-bit
// exit code, what Windows reports for a terminated process.
const exitTerminated = -1073741510

// startCommand starts the handler for the command line. WinRM joins the
// command and its arguments with spaces before passing them to cmd.exe.
func (s *Server) startCommand(req *request, sh *shell) *reply {
	line := strings.TrimSpace(req.Body.Command)
	if len(req.Body.Args) > 0 {
		line += " " + strings.Join(req.Body.Args, " ")
	}
	ctx, cancel := context.WithCancel(s.base)
	cmd := newCommand(cancel, ctx)
	sh.mu.Lock()
	sh.commands[cmd.id] = cmd
	sh.mu.Unlock()

	hreq := hostexec.Request{Host: s.cfg.Host, User: sh.user, Command: line, Stdin: cmd.stdin,
		Stdout: streamWriter{cmd, "stdout"}, Stderr: streamWriter{cmd, "stderr"}}
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		defer cancel()
		code, err := s.cfg.Handler.Exec(ctx, hreq)
		if ctx.Err() != nil {
			// Signal or a lost shell ended the command: Windows reports
			// STATUS_CONTROL_C_EXIT as its exit code.
			code, err = exitTerminated, nil
		}
		cmd.finish(code, err)
	}()
	return &reply{http.StatusOK, commandResponse(req.MessageID, cmd.id)}
}

func (s *Server) send(req *request, sh *shell) *reply {
	cmd := sh.command(req.Body.Send.CommandID)
	if cmd == nil {
		return &reply{http.StatusInternalServerError, invalidSelectorsFault(req.MessageID)}
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(req.Body.Send.Data))
	if err != nil {
		return &reply{http.StatusBadRequest, fault(req.MessageID, "w:InvalidMessageInformationHeader", 2150858817,
			"stdin is not valid base64")}
	}
	cmd.stdin.push(data, req.Body.Send.End == "true")
	return &reply{http.StatusOK, emptyResponse(actionSend, req.MessageID)}
}

func (s *Server) signal(req *request, sh *shell) *reply {
	cmd := sh.command(req.Body.Signal.CommandID)
	if cmd != nil {
		cmd.cancel()
	}
	return &reply{http.StatusOK, emptyResponse(actionSignal, req.MessageID)}
}

// receive is the long poll: it responds as soon as output or the end is
// there, or with w:TimedOut once the client's OperationTimeout passes.
func (s *Server) receive(ctx context.Context, req *request, sh *shell) *reply {
	cmd := sh.command(req.Body.Receive.CommandID)
	if cmd == nil {
		return &reply{http.StatusInternalServerError, invalidSelectorsFault(req.MessageID)}
	}
	cmd.polls++
	faults := s.currentFaults()
	if faults.DropReceives {
		return nil
	}
	if cmd.polls <= faults.TimedOutPolls {
		return &reply{http.StatusInternalServerError, timedOutFault(req.MessageID)}
	}
	timer := time.NewTimer(req.operationTimeout())
	defer timer.Stop()
	for {
		// A lost shell wins over the end of its command: the command ended
		// because the shell went away, and Windows then answers every
		// Receive on that shell with InvalidSelectors.
		select {
		case <-sh.lost:
			return &reply{http.StatusInternalServerError, invalidSelectorsFault(req.MessageID)}
		default:
		}
		out, done, code, broken := cmd.take()
		switch {
		case broken != nil:
			return nil
		case len(out) > 0 || done:
			return &reply{http.StatusOK, receiveResponse(req.MessageID, cmd.id, out, done, code)}
		}
		select {
		case <-cmd.wake:
		case <-timer.C:
			return &reply{http.StatusInternalServerError, timedOutFault(req.MessageID)}
		case <-sh.lost:
			return &reply{http.StatusInternalServerError, invalidSelectorsFault(req.MessageID)}
		case <-ctx.Done():
			return nil
		}
	}
}
