package lab

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// LogEntry is one line of DIR/commands.jsonl: a command that an emulated
// host received.
type LogEntry struct {
	Host string    `json:"host"`
	Time time.Time `json:"time"`
	User string    `json:"user"`
	// Transport is "ssh", "ssh-shell" for a line typed in a PTY session, or
	// "winrm".
	Transport string `json:"transport"`
	// Command is the command line, or the decoded script for PowerShell
	// sent with -EncodedCommand.
	Command string `json:"command"`
	// Changes reports whether the command changed the host's state, as
	// the emulator judges it from the effect: installed updates, holds,
	// files, reboots. A read-only declaration by the client plays no part.
	Changes bool `json:"changes"`
	// Exit is the exit status; it is -1 when the connection broke instead.
	Exit  int    `json:"exit"`
	Error string `json:"error,omitempty"`
}

// CommandLog appends entries to a JSON Lines file. It is safe for
// concurrent use.
type CommandLog struct {
	mu   sync.Mutex
	file *os.File
}

// OpenCommandLog opens path for appending, creating it when missing.
func OpenCommandLog(path string) (*CommandLog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open command log: %w", err)
	}
	return &CommandLog{file: f}, nil
}

// Append writes e as one line. A nil log drops the entry.
func (l *CommandLog) Append(e LogEntry) error {
	if l == nil {
		return nil
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode command log entry: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.file.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("append to command log %s: %w", l.file.Name(), err)
	}
	return nil
}

// Close closes the file.
func (l *CommandLog) Close() error {
	if l == nil {
		return nil
	}
	return l.file.Close()
}

// ReadCommandLog returns every entry of a commands.jsonl file, for tests
// that check what the hosts received.
func ReadCommandLog(path string) ([]LogEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read command log: %w", err)
	}
	defer f.Close()
	var out []LogEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var e LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("read command log %s line %d: %w", path, n, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}
