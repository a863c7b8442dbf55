package credential

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const secretValue = "correct-horse-battery"

func TestSecretFormatting(t *testing.T) {
	s := NewSecret(secretValue)
	js, err := json.Marshal(struct{ Password Secret }{s})
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("connect", "password", s)
	var jsonLogged strings.Builder
	slog.New(slog.NewJSONHandler(&jsonLogged, nil)).Info("connect", "password", s)
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", s), "%s": fmt.Sprintf("%s", s), "%q": fmt.Sprintf("%q", s),
		"%#v": fmt.Sprintf("%#v", s), "%+v": fmt.Sprintf("%+v", struct{ S Secret }{s}),
		"%x": fmt.Sprintf("%x", s), "json": string(js), "slog text": logged.String(), "slog json": jsonLogged.String(),
	}
	for name, out := range outputs {
		if strings.Contains(out, secretValue) || strings.Contains(out, fmt.Sprintf("%x", secretValue)) {
			t.Errorf("%s output contains the secret: %s", name, out)
		}
		if !strings.Contains(out, redacted) {
			t.Errorf("%s output = %q, want %s", name, out, redacted)
		}
	}
	if s.Reveal() != secretValue {
		t.Errorf("Reveal = %q, want the value", s.Reveal())
	}
}

func testEnv(vars map[string]string) Env {
	return Env{Getenv: func(k string) string { return vars[k] }, Home: "/nonexistent"}
}

func TestResolveEnv(t *testing.T) {
	got, err := Resolve(context.Background(), Ref{Kind: KindEnv, Env: "PW"}, testEnv(map[string]string{"PW": secretValue}))
	if err != nil || got.Reveal() != secretValue {
		t.Errorf("Resolve = %q, %v; want the value", got.Reveal(), err)
	}
	_, err = Resolve(context.Background(), Ref{Kind: KindEnv, Env: "PW"}, testEnv(nil))
	want := "credential could not be resolved: environment variable PW is not set or empty: export it before running patchbay"
	if err == nil || err.Error() != want {
		t.Errorf("unset variable error = %v, want %s", err, want)
	}
}

func TestResolveFileMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pw")
	if err := os.WriteFile(path, []byte(secretValue+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Resolve(context.Background(), Ref{Kind: KindFile, Path: path}, testEnv(nil))
	want := fmt.Sprintf("credential could not be resolved: file %s has mode 0644, so other users can read it: run chmod 600 %s", path, path)
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Resolve(context.Background(), Ref{Kind: KindFile, Path: path}, testEnv(nil))
	if err != nil || got.Reveal() != secretValue {
		t.Errorf("Resolve = %q, %v; want the value without the newline", got.Reveal(), err)
	}
}

func TestResolveFileHome(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "pw"), []byte(secretValue), 0o600); err != nil {
		t.Fatal(err)
	}
	env := Env{Getenv: func(string) string { return "" }, Home: home}
	got, err := Resolve(context.Background(), Ref{Kind: KindFile, Path: "~/pw"}, env)
	if err != nil || got.Reveal() != secretValue {
		t.Errorf("Resolve = %q, %v; want the value", got.Reveal(), err)
	}
}

func TestResolveCommand(t *testing.T) {
	ref := Ref{Kind: KindCommand, Command: []string{"sh", "-c", "printf '%s\\n' " + secretValue}}
	got, err := Resolve(context.Background(), ref, testEnv(nil))
	if err != nil || got.Reveal() != secretValue {
		t.Errorf("Resolve = %q, %v; want the value", got.Reveal(), err)
	}
}

func TestResolveCommandHidesStderr(t *testing.T) {
	ref := Ref{Kind: KindCommand, Command: []string{"sh", "-c", "echo " + secretValue + " >&2; exit 3"}}
	_, err := Resolve(context.Background(), ref, testEnv(nil))
	if err == nil {
		t.Fatal("Resolve succeeded, want an error")
	}
	if strings.Contains(err.Error(), secretValue) {
		t.Errorf("error contains the command's stderr: %v", err)
	}
	want := "credential could not be resolved: command sh failed (exit status 3): run it by hand to see its error output"
	if err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	if !errors.Is(err, ErrUnresolved) {
		t.Errorf("error does not wrap ErrUnresolved")
	}
}

func TestResolveCommandTimeout(t *testing.T) {
	ref := Ref{Kind: KindCommand, Command: []string{"sleep", "5"}, Timeout: 50 * time.Millisecond}
	_, err := Resolve(context.Background(), ref, testEnv(nil))
	want := "credential could not be resolved: command sleep timed out after 50ms: check that it runs without a prompt, or raise timeout"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestResolveAgentNeedsSocket(t *testing.T) {
	_, err := Resolve(context.Background(), Ref{Kind: KindAgent}, testEnv(nil))
	if !errors.Is(err, ErrUnresolved) {
		t.Errorf("error = %v, want ErrUnresolved", err)
	}
	s, err := Resolve(context.Background(), Ref{Kind: KindAgent}, testEnv(map[string]string{"SSH_AUTH_SOCK": "/tmp/agent.sock"}))
	if err != nil || !s.IsEmpty() {
		t.Errorf("Resolve = %v, %v; want an empty secret", s, err)
	}
}

// A password manager may leave a helper process running that keeps its
// standard output open. The timeout must still end Resolve, before the
// helper ends and writes its marker file.
func TestResolveCommandTimeoutWithChild(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "helper-ended")
	script := "(sleep 3; touch " + marker + ") & wait"
	ref := Ref{Kind: KindCommand, Command: []string{"sh", "-c", script}, Timeout: 50 * time.Millisecond}
	_, err := Resolve(context.Background(), ref, testEnv(nil))
	if _, statErr := os.Stat(marker); statErr == nil {
		t.Errorf("Resolve returned only after the helper process ended")
	}
	if err == nil || !strings.Contains(err.Error(), "timed out after 50ms") {
		t.Errorf("error = %v, want a timeout", err)
	}
}

func TestResolveCommandChildKeepsOutput(t *testing.T) {
	script := "printf '%s\\n' " + secretValue + "; sleep 2 &"
	ref := Ref{Kind: KindCommand, Command: []string{"sh", "-c", script}, Timeout: 10 * time.Second}
	got, err := Resolve(context.Background(), ref, testEnv(nil))
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if got.Reveal() != secretValue {
		t.Errorf("Resolve = %q, want the value", got.Reveal())
	}
}
