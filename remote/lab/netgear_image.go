package lab

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"patchbay/remote/lab/hostexec"
	"patchbay/remote/lab/sshserver"
)

// ImageHeader starts the first line of a lab firmware image. Real images
// carry their version in a vendor format; lab images carry it in this
// line, "LAB-IMAGE version=17.09.04a", followed by any bytes.
const ImageHeader = "LAB-IMAGE"

// NewImage returns a lab firmware image for version, padded to size bytes,
// as tests and demos copy to emulated network gear.
func NewImage(version string, size int) []byte {
	head := fmt.Sprintf("%s version=%s\n", ImageHeader, version)
	data := make([]byte, max(size, len(head)))
	copy(data, head)
	for i := len(head); i < len(data); i++ {
		data[i] = byte(i * 31 % 251)
	}
	return data
}

// imageVersion reads the version from a lab image's first line.
func imageVersion(data []byte) (string, bool) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 2 || fields[0] != ImageHeader {
		return "", false
	}
	for _, f := range fields[1:] {
		if v, ok := strings.CutPrefix(f, "version="); ok && v != "" {
			return v, true
		}
	}
	return "", false
}

// flashBytes returns the flash size and free bytes of a device: the
// state's disk size, less what FreeDiskMB leaves out and the files.
func flashBytes(s *State) (total, free int64) {
	total = s.DiskSizeMB << 20
	free = s.FreeDiskMB << 20
	for _, data := range s.Files {
		free -= int64(len(data))
	}
	return total, max(free, 0)
}

// digest returns the hex digest of data for "md5" or "sha512".
func digest(algorithm string, data []byte) string {
	if algorithm == "sha512" {
		sum := sha512.Sum512(data)
		return hex.EncodeToString(sum[:])
	}
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// normalizeFlashPath turns "flash:/x.bin", "flash:x.bin" and
// "bootflash:x.bin" into the key files are stored under: "flash:x.bin".
func normalizeFlashPath(path string) string {
	fsName, name, ok := strings.Cut(path, ":")
	if !ok {
		return "flash:" + strings.TrimPrefix(path, "/")
	}
	if fsName == "bootflash" {
		fsName = "flash"
	}
	return fsName + ":" + strings.TrimPrefix(name, "/")
}

// serveFlashSCP is the SCP sink of network gear: the file lands in
// State.Files under its flash path, and a file larger than the free flash
// fails as the device's own copy fails.
func serveFlashSCP(x *Exec, dst string) (int, error) {
	req := hostexec.Request{Host: x.Host.Name(), User: x.User, Stdin: x.Stdin, Stdout: x.Stdout, Stderr: x.Stderr}
	path := normalizeFlashPath(dst)
	return sshserver.ServeSCPSink(req, dst, func(_ string, _ fs.FileMode, size int64, r io.Reader) error {
		var free int64
		x.Host.View(func(s *State) { _, free = flashBytes(s) })
		if size > free {
			return fmt.Errorf("%%Error writing %s (No space left on device)", path)
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(bufio.NewReader(r), data); err != nil {
			return fmt.Errorf("%%Error writing %s (file ended after fewer than %d bytes)", path, size)
		}
		x.Host.Change(func(s *State) { s.Files[path] = data })
		return nil
	})
}
