package sshserver

import (
	"crypto/subtle"

	"github.com/gliderlabs/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// setAuthHandlers installs password, public-key and keyboard-interactive
// authentication. A user without an entry in the configuration is rejected
// by every method.
func (s *Server) setAuthHandlers(srv *ssh.Server) {
	srv.PasswordHandler = func(ctx ssh.Context, password string) bool {
		want, ok := s.cfg.Passwords[ctx.User()]
		return ok && s.accept() && equalSecret(password, want)
	}
	srv.PublicKeyHandler = func(ctx ssh.Context, key ssh.PublicKey) bool {
		return s.accept() && s.keyAuthorized(ctx.User(), key)
	}
	srv.KeyboardInteractiveHandler = func(ctx ssh.Context, challenge gossh.KeyboardInteractiveChallenge) bool {
		want, ok := s.cfg.KeyboardInteractive[ctx.User()]
		if !ok {
			return false
		}
		answers, err := challenge(ctx.User(), "", []string{"Password: "}, []bool{false})
		return err == nil && len(answers) == 1 && s.accept() && equalSecret(answers[0], want)
	}
}

// accept reports whether authentication may succeed at all, which the
// SetRejectAuth fault turns off.
func (s *Server) accept() bool { return !s.rejectAuth.Load() }

func (s *Server) keyAuthorized(user string, key ssh.PublicKey) bool {
	for _, authorized := range s.cfg.AuthorizedKeys[user] {
		if ssh.KeysEqual(key, authorized) {
			return true
		}
	}
	return false
}

func equalSecret(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
