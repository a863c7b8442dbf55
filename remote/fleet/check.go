package fleet

import (
	"fmt"
	"os/exec"

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
		if err := credential.CheckFile(c.Ref, env); err != nil {
			return fmt.Errorf("credential %s: %w", name, err)
		}
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
