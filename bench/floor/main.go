// Command floor is the floor of the peer benchmarks: a bare fan-out of one
// command to many SSH hosts with golang.org/x/crypto/ssh and nothing else,
// one goroutine per host. patchbay's fan-out is compared with it, so it
// does only what any fan-out must do: dial, check the host key against
// known_hosts, log in with a password, run the command and read its
// output.
//
// Usage:
//
//	floor -hosts FILE -known-hosts FILE -password-file FILE [-user NAME] [-command LINE]
//
// FILE lists one host per line as NAME ADDRESS PORT. Every address must be
// in 127.0.0.0/8: the benchmark runs against the lab fleet only.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// target is one host to run the command on.
type target struct {
	name, address, port string
}

func main() {
	hostsFile := flag.String("hosts", "", "file of hosts, one NAME ADDRESS PORT per line")
	knownHostsFile := flag.String("known-hosts", "", "known_hosts file with the hosts' keys")
	passwordFile := flag.String("password-file", "", "file whose first line is the login password")
	user := flag.String("user", "patchbay", "login user on every host")
	command := flag.String("command", "hostname", "command line to run on every host")
	flag.Parse()
	if err := run(*hostsFile, *knownHostsFile, *passwordFile, *user, *command); err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(hostsFile, knownHostsFile, passwordFile, user, command string) error {
	targets, err := readTargets(hostsFile)
	if err != nil {
		return err
	}
	hostKeys, err := knownhosts.New(knownHostsFile)
	if err != nil {
		return fmt.Errorf("read known_hosts: %w", err)
	}
	secret, err := os.ReadFile(passwordFile)
	if err != nil {
		return fmt.Errorf("read the password: %w", err)
	}
	config := &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.Password(strings.TrimSpace(string(secret)))},
		HostKeyCallback: hostKeys,
		Timeout:         30 * time.Second,
	}
	start := time.Now()
	failed := fanOut(targets, config, command)
	fmt.Fprintf(os.Stderr, "floor: %d hosts, %d failed, %.3f s\n", len(targets), failed, time.Since(start).Seconds())
	if failed > 0 {
		return fmt.Errorf("%d of %d hosts failed", failed, len(targets))
	}
	return nil
}

// fanOut runs command on every target at once, prints each host's output
// and returns the number of hosts that failed.
func fanOut(targets []target, config *ssh.ClientConfig, command string) int {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed int
	)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			output, err := runOne(t, config, command)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				fmt.Fprintf(os.Stderr, "%s: %v\n", t.name, err)
				return
			}
			fmt.Fprintf(out, "%s: %s", t.name, output)
		}()
	}
	wg.Wait()
	return failed
}

func runOne(t target, config *ssh.ClientConfig, command string) ([]byte, error) {
	client, err := ssh.Dial("tcp", net.JoinHostPort(t.address, t.port), config)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	session, err := client.NewSession()
	if err != nil {
		return nil, err
	}
	defer session.Close()
	var stdout bytes.Buffer
	session.Stdout = &stdout
	if err := session.Run(command); err != nil {
		return nil, err
	}
	return stdout.Bytes(), nil
}

// readTargets reads the host list and rejects any address outside
// 127.0.0.0/8.
func readTargets(path string) ([]target, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the host list: %w", err)
	}
	var targets []target
	for i, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return nil, fmt.Errorf("%s:%d: want NAME ADDRESS PORT, got %q", path, i+1, line)
		}
		addr, err := netip.ParseAddr(fields[1])
		if err != nil || !addr.IsLoopback() || !addr.Is4() {
			return nil, fmt.Errorf("%s:%d: address %q is not in 127.0.0.0/8; the benchmark dials lab hosts only", path, i+1, fields[1])
		}
		targets = append(targets, target{name: fields[0], address: fields[1], port: fields[2]})
	}
	if len(targets) == 0 {
		return nil, errors.New("the host list is empty")
	}
	return targets, nil
}
