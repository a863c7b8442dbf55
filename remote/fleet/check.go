package fleet

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"patchbay/inventory"
	"patchbay/inventory/credential"
)

// CheckCredential reports whether Dial could resolve the credential of h,
// without reading the secret or running the command: the reference is
// defined and fits the transport, the variable is set, the file exists
// with mode 0600 or stricter, the agent socket is set, or the command is
// on the PATH. The planner uses it to skip hosts before a run.
func CheckCredential(inv *inventory.Inventory, h *inventory.Host, env credential.Env) error {
	name := h.Transport.Credential
	if name == "" && h.Transport.Kind == inventory.TransportWinRM {
		return fmt.Errorf("host %s has no credential, but WinRM needs a password; set one with env, file or command", h.Name)
	}
	if name == "" {
		// The ssh-agent or the IdentityFile keys of ~/.ssh/config apply.
		return nil
	}
	c := inv.Credential(name)
	if c == nil {
		return fmt.Errorf("credential %q is not defined in the inventory; add it under credentials", name)
	}
	switch c.Ref.Kind {
	case credential.KindEnv:
		if env.Getenv(c.Ref.Env) == "" {
			return fmt.Errorf("credential %s: environment variable %s is not set; export it before running patchbay", name, c.Ref.Env)
		}
	case credential.KindFile:
		return checkFile(name, expandHome(c.Ref.Path, env.Home))
	case credential.KindAgent:
		return checkAgent(h, "credential "+name+" (ssh-agent)", env)
	case credential.KindCommand:
		if len(c.Ref.Command) == 0 {
			return fmt.Errorf("credential %s: the command is empty; give the program and its arguments", name)
		}
		if _, err := exec.LookPath(c.Ref.Command[0]); err != nil {
			return fmt.Errorf("credential %s: program %s not found on the PATH; install it or give its full path", name, c.Ref.Command[0])
		}
	}
	return nil
}

// checkAgent checks that an ssh-agent can serve h: only over SSH, and
// only with SSH_AUTH_SOCK set. what names the credential in the message.
func checkAgent(h *inventory.Host, what string, env credential.Env) error {
	if h.Transport.Kind == inventory.TransportWinRM {
		return fmt.Errorf("%s cannot log in over WinRM, which needs a password; set a credential with env, file or command", what)
	}
	if env.Getenv("SSH_AUTH_SOCK") == "" {
		return fmt.Errorf("%s: SSH_AUTH_SOCK is not set, so no ssh-agent is reachable; start one and add the key with ssh-add", what)
	}
	return nil
}

// checkFile checks that a secret file exists and that only its owner may
// read it, as credential.Resolve requires.
func checkFile(name, path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("credential %s: file %s: %w", name, path, err)
	}
	if mode := info.Mode().Perm(); mode&0o077 != 0 {
		return fmt.Errorf("credential %s: file %s has mode %04o, so other users can read it; run chmod 600 %s", name, path, mode, path)
	}
	return nil
}

func expandHome(path, home string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok && home != "" {
		return filepath.Join(home, rest)
	}
	return path
}
