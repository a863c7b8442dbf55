package wsman

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// connState is the authentication state of one TCP connection: NTLM
// authenticates a connection, not a request, as IIS does.
type connState struct {
	mu        sync.Mutex
	handshake *ntlmHandshake
	user      string
	sealing   *sealing
}

type connKey struct{}

func withConnState(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, &connState{})
}

// reply is a response before encryption.
type reply struct {
	status int
	body   []byte
}

// maxBody bounds what the server reads from one request.
const maxBody = 64 << 20

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := s.currentFaults()
	switch {
	case f.Silent:
		// Reading the body first lets net/http notice when the client
		// hangs up, which cancels the request context.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-s.base.Done():
		}
		return
	case f.HTML:
		writeHTML(w, http.StatusOK, f.HTMLTitle)
		return
	case r.URL.Path != "/wsman" || r.Method != http.MethodPost:
		writeHTML(w, http.StatusNotFound, "404 - File or directory not found.")
		return
	case f.Unauthorized:
		s.challenge(w, "")
		return
	}
	cs := r.Context().Value(connKey{}).(*connState)
	cs.mu.Lock()
	defer cs.mu.Unlock()

	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return
	}
	user, ok := s.authenticate(w, r, cs, len(data) > 0)
	if !ok {
		return
	}
	sealed := strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/encrypted")
	plain, ok := s.openBody(w, r, cs, data, sealed)
	if !ok {
		return
	}
	if len(plain) == 0 {
		w.WriteHeader(http.StatusOK) // an authentication round without a message
		return
	}
	if f.MaxEnvelope > 0 && len(plain) > f.MaxEnvelope {
		writeHTML(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	rep := s.dispatch(r.Context(), user, plain)
	if rep == nil {
		dropConnection(w)
		return
	}
	s.writeReply(w, cs, rep, sealed)
}

// authenticate checks the Authorization header and writes the 401
// response itself when the request may not proceed.
//
// A request without credentials passes on a connection that NTLM has
// authenticated, unless its body is empty: clients such as the winrm
// package's encryption transport send an empty request to start a new
// handshake and expect the challenge.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, cs *connState, hasBody bool) (string, bool) {
	header := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(header, " ")
	switch {
	case header == "" && cs.user != "" && hasBody:
		return cs.user, true
	case strings.EqualFold(scheme, "Basic") && s.cfg.Auth != AuthNTLM && s.transportSecure(r):
		user, password, ok := r.BasicAuth()
		if want, found := lookupUser(s.cfg.Users, user); ok && found && want == password {
			return user, true
		}
	case (strings.EqualFold(scheme, "Negotiate") || strings.EqualFold(scheme, "NTLM")) && s.cfg.Auth != AuthBasic:
		return s.ntlmStep(w, cs, scheme, token)
	}
	cs.user, cs.sealing, cs.handshake = "", nil, nil
	s.challenge(w, "")
	return "", false
}

// ntlmStep handles one NTLM message: a Type 1 starts a new handshake on
// the connection, a Type 3 completes it.
func (s *Server) ntlmStep(w http.ResponseWriter, cs *connState, scheme, token string) (string, bool) {
	msg, err := base64.StdEncoding.DecodeString(token)
	if err != nil || len(msg) < 12 {
		s.challenge(w, "")
		return "", false
	}
	switch msg[8] {
	case 1:
		cs.user, cs.sealing = "", nil
		cs.handshake = &ntlmHandshake{}
		out, err := cs.handshake.challengeMessage(msg)
		if err != nil {
			s.challenge(w, "")
			return "", false
		}
		// An empty body, as HTTP.sys sends: clients that do not drain the
		// challenge response would otherwise open a new connection and
		// lose the handshake.
		w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(out))
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return "", false
	case 3:
		if cs.handshake == nil {
			s.challenge(w, "")
			return "", false
		}
		auth, err := cs.handshake.verify(msg, s.cfg.Users)
		cs.handshake = nil
		if err != nil {
			s.challenge(w, "")
			return "", false
		}
		cs.user, cs.sealing = auth.user, auth.session
		return auth.user, true
	}
	s.challenge(w, "")
	return "", false
}

// openBody decrypts a sealed body and rejects plain bodies on HTTP unless
// the server allows them.
func (s *Server) openBody(w http.ResponseWriter, r *http.Request, cs *connState, data []byte, sealed bool) ([]byte, bool) {
	if !sealed {
		if len(data) > 0 && !s.transportSecure(r) {
			s.challenge(w, "")
			return nil, false
		}
		return data, true
	}
	if cs.sealing == nil {
		s.challenge(w, "")
		return nil, false
	}
	plain, err := cs.sealing.unwrapBody(data)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	return plain, true
}

// transportSecure reports whether a plain body or Basic credentials may
// travel on this request: over TLS, or when AllowUnencrypted is set.
func (s *Server) transportSecure(r *http.Request) bool {
	return r.TLS != nil || s.cfg.AllowUnencrypted
}

// challenge responds with 401 and the schemes the server accepts.
func (s *Server) challenge(w http.ResponseWriter, _ string) {
	if s.cfg.Auth != AuthNTLM {
		w.Header().Add("WWW-Authenticate", `Basic realm="WSMAN"`)
	}
	if s.cfg.Auth != AuthBasic {
		w.Header().Add("WWW-Authenticate", "Negotiate")
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

func (s *Server) writeReply(w http.ResponseWriter, cs *connState, rep *reply, sealed bool) {
	body := rep.body
	if sealed {
		body = cs.sealing.wrapBody(body)
		w.Header().Set("Content-Type", encryptedType)
	} else {
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(rep.status)
	_, _ = w.Write(body)
}

func writeHTML(w http.ResponseWriter, status int, title string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%s</title></head><body><h1>%s</h1></body></html>\n",
		xmlEscape(title), xmlEscape(title))
}

// dropConnection closes the TCP connection without a response.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}
