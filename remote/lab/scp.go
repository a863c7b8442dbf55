package lab

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"patchbay/remote/lab/hostexec"
	"patchbay/remote/lab/sshserver"
)

// runSCP is the sink side of the SCP protocol (scp -t DEST), which
// OpenSSH, ESXi and Cisco IOS hosts offer for file copies, served by the
// SSH server package's implementation. Files land in State.Files, their
// permission bits in State.Facts under "mode PATH".
func runSCP(_ context.Context, c *Call) (int, error) {
	args := c.Args[1:]
	sink := false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		sink = sink || strings.Contains(args[0], "t")
		args = args[1:]
	}
	if !sink || len(args) != 1 {
		c.Errorf("usage: scp -t DEST (the lab emulates only the sink side of scp)\n")
		return 1, nil
	}
	req := hostexec.Request{Host: c.Host.Name(), User: c.X.User, Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr}
	return sshserver.ServeSCPSink(req, args[0], func(path string, mode fs.FileMode, size int64, r io.Reader) error {
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return fmt.Errorf("file %s ended after fewer than %d bytes", path, size)
		}
		c.Host.Change(func(s *State) {
			s.Files[path] = data
			s.Facts["mode "+path] = fmt.Sprintf("%04o", mode.Perm())
		})
		return nil
	})
}
