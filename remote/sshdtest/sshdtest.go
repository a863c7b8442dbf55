// Package sshdtest starts Debian's OpenSSH server, /usr/sbin/sshd, for
// tests: one process per test on a 127.x.y.z address, with a temporary
// host key and an authorized_keys file that admits one generated key for
// the current user.
//
// When sshd is missing the test is skipped with a message naming the
// openssh-server package, except when CI=true, where it fails.
package sshdtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Path is the sshd binary that Debian's openssh-server package installs.
const Path = "/usr/sbin/sshd"

// Server is a running sshd.
type Server struct {
	// Host and Port are where sshd listens.
	Host string
	Port int
	// User is the user the key logs in as: the current user.
	User string
	// UserKey is the private key that authorized_keys admits.
	UserKey ssh.Signer
	// HostKey is sshd's public host key.
	HostKey ssh.PublicKey
	// KnownHosts is a known_hosts file that pins HostKey for Addr.
	KnownHosts string
	// Dir is the temporary directory with the configuration and keys.
	Dir string

	cmd *exec.Cmd
}

// Addr returns Host:Port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Start starts sshd and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	requireSSHD(t)
	s := &Server{Dir: t.TempDir()}
	if err := s.prepare(); err != nil {
		t.Fatalf("prepare sshd: %v", err)
	}
	if err := s.start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	t.Cleanup(s.stop)
	if err := s.waitListening(10 * time.Second); err != nil {
		t.Fatalf("sshd did not start: %v\n%s", err, s.Log())
	}
	return s
}

func requireSSHD(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(Path); err == nil {
		return
	}
	msg := Path + " is missing: install the Debian package openssh-server (apt-get install openssh-server)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// prepare writes the host key, the user key's authorized_keys, the
// known_hosts file and sshd_config, and picks the address.
func (s *Server) prepare() error {
	current, err := user.Current()
	if err != nil {
		return err
	}
	s.User = current.Username
	if err := s.writeKeys(); err != nil {
		return err
	}
	if s.Host, s.Port, err = freeLoopbackAddr(); err != nil {
		return err
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(s.Addr())}, s.HostKey) + "\n"
	s.KnownHosts = filepath.Join(s.Dir, "known_hosts")
	if err := os.WriteFile(s.KnownHosts, []byte(line), 0o600); err != nil {
		return err
	}
	return os.WriteFile(s.path("sshd_config"), []byte(s.config()), 0o600)
}

func (s *Server) path(name string) string { return filepath.Join(s.Dir, name) }

func (s *Server) writeKeys() error {
	hostKey, hostPEM, err := newKey()
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.path("host_key"), hostPEM, 0o600); err != nil {
		return err
	}
	s.HostKey = hostKey.PublicKey()
	if s.UserKey, _, err = newKey(); err != nil {
		return err
	}
	authorized := ssh.MarshalAuthorizedKey(s.UserKey.PublicKey())
	return os.WriteFile(s.path("authorized_keys"), authorized, 0o600)
}

// newKey generates an ed25519 key and its OpenSSH PEM encoding.
func newKey() (ssh.Signer, []byte, error) {
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	block, err := ssh.MarshalPrivateKey(private, "")
	if err != nil {
		return nil, nil, err
	}
	signer, err := ssh.NewSignerFromKey(private)
	if err != nil {
		return nil, nil, err
	}
	return signer, pem.EncodeToMemory(block), nil
}

// config returns sshd_config: only the key logs in, as the current user,
// and sshd reads nothing from the system's configuration.
func (s *Server) config() string {
	lines := []string{
		"Port " + strconv.Itoa(s.Port),
		"ListenAddress " + s.Host,
		"HostKey " + s.path("host_key"),
		"PidFile " + s.path("sshd.pid"),
		"AuthorizedKeysFile " + s.path("authorized_keys"),
		"StrictModes no",
		"UsePAM no",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PubkeyAuthentication yes",
		"PermitRootLogin prohibit-password",
		"AllowUsers " + s.User,
		"MaxStartups 200:30:400",
		"LogLevel VERBOSE",
		// Every process of a login inherits the marker, so stop finds the
		// commands that outlived their connection.
		"SetEnv " + markerVariable + "=" + s.Dir,
	}
	return strings.Join(lines, "\n") + "\n"
}

// freeLoopbackAddr picks a random 127.x.y.z address and a port free on it.
func freeLoopbackAddr() (string, int, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(250*250))
	if err != nil {
		return "", 0, err
	}
	host := fmt.Sprintf("127.%d.%d.%d", 10+n.Int64()%200, 1+n.Int64()/250%250, 1+n.Int64()%250)
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", 0, err
	}
	defer l.Close()
	return host, l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start() error {
	if os.Geteuid() == 0 {
		// sshd as root needs its privilege separation directory.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			return err
		}
	}
	s.cmd = exec.Command(Path, "-D", "-f", s.path("sshd_config"), "-E", s.path("sshd.log"))
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return s.cmd.Start()
}

func (s *Server) waitListening(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Log returns sshd's log, for failure messages.
func (s *Server) Log() string {
	log, _ := os.ReadFile(s.path("sshd.log"))
	return string(log)
}

// DropConnections kills sshd's per-connection processes and the commands
// they run, so every open connection ends as if the host went down, while
// the listener stays.
func (s *Server) DropConnections() {
	for _, pid := range descendantPIDs(s.cmd.Process.Pid) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// descendantPIDs returns the children of pid, their children and so on.
func descendantPIDs(pid int) []int {
	var all []int
	for _, child := range childPIDs(pid) {
		all = append(all, child)
		all = append(all, descendantPIDs(child)...)
	}
	return all
}

// childPIDs returns the ids of the processes whose parent is ppid, read
// from /proc.
func childPIDs(ppid int) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command name, which is in parentheses,
		// start with the state and then the parent's id.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(ppid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// markerVariable is set in the environment of every login to this sshd.
const markerVariable = "PATCHBAY_SSHDTEST"

// stop kills sshd, its per-connection processes and every process that
// carries its marker, such as a command's child whose shell was killed,
// then reaps sshd.
func (s *Server) stop() {
	s.DropConnections()
	for _, pid := range markedPIDs(markerVariable + "=" + s.Dir) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	s.cmd.Wait()
}

// markedPIDs returns the ids of the processes whose environment contains
// the entry marker, read from /proc.
func markedPIDs(marker string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		environ, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, entry := range strings.Split(string(environ), "\x00") {
			if entry == marker {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
