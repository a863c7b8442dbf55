package winrmremote

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"patchbay/remote"
)

// copyLineBytes is the number of file bytes per base64 line on standard
// input: 3 KiB become a 4 KiB line.
const copyLineBytes = 3 << 10

// CopyFile writes size bytes from src to the path dst on the host. One
// PowerShell process reads the content as base64 lines from standard
// input, which the winrm package sends in requests below the envelope
// limit, and appends them to dst + ".patchbay-part". At the end of input
// it checks the length and SHA-256, then moves the part file over dst.
// mode is ignored, since Windows has no POSIX permission bits.
func (s *Session) CopyFile(ctx context.Context, src io.Reader, size int64, dst string, _ fs.FileMode) error {
	digest := sha256.New()
	body := io.TeeReader(io.LimitReader(src, size), digest)
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeBase64Lines(pw, body, size))
	}()
	defer pr.Close()

	var stderr strings.Builder
	hashed := &lateHash{h: digest}
	script := copyScript(dst, size)
	err := s.Run(ctx, remote.Command{PowerShell: script, Stdin: &hashTrailer{r: pr, hash: hashed}},
		io.Discard, &stderr)
	var exit *remote.ExitError
	if errors.As(err, &exit) {
		return &remote.Error{Host: s.cfg.Host, Kind: remote.KindOther, Op: "copy",
			Detail: fmt.Sprintf("copying to %s: %s", dst, strings.TrimSpace(stderr.String())), Err: err}
	}
	if re := (*remote.Error)(nil); errors.As(err, &re) {
		re.Op = "copy"
	}
	return err
}

// writeBase64Lines writes exactly size bytes of r as base64 lines.
func writeBase64Lines(w io.Writer, r io.Reader, size int64) error {
	buf := make([]byte, copyLineBytes)
	bw := bufio.NewWriter(w)
	var written int64
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			written += int64(n)
			bw.WriteString(base64.StdEncoding.EncodeToString(buf[:n]))
			bw.WriteByte('\n')
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if written != size {
		return fmt.Errorf("source ended after %d of %d bytes", written, size)
	}
	return bw.Flush()
}

// lateHash holds the digest, which is known only once all content has
// been read.
type lateHash struct{ h hash.Hash }

// hashTrailer appends the line "sha256:HEX" after the content, so the
// script can check the file without the digest being known up front.
type hashTrailer struct {
	r    io.Reader
	hash *lateHash
	tail *strings.Reader
}

func (t *hashTrailer) Read(p []byte) (int, error) {
	if t.tail == nil {
		n, err := t.r.Read(p)
		if !errors.Is(err, io.EOF) {
			return n, err
		}
		t.tail = strings.NewReader("sha256:" + hex.EncodeToString(t.hash.h.Sum(nil)) + "\n")
		if n > 0 {
			return n, nil
		}
	}
	return t.tail.Read(p)
}

// copyHeader is the first line of every copy script. Lab hosts recognise
// copies by it (see ParseCopyScript).
const copyHeader = "# patchbay copy v1 "

// copyScript is the PowerShell that receives a file on standard input.
func copyScript(dst string, size int64) string {
	return copyHeader + "size=" + strconv.FormatInt(size, 10) + " path=" +
		base64.StdEncoding.EncodeToString([]byte(dst)) + "\n" +
		`$dst = ` + quote(dst) + `
$part = $dst + '.patchbay-part'
$in = New-Object IO.StreamReader ([Console]::OpenStandardInput()), ([Text.Encoding]::ASCII)
$out = [IO.File]::Open($part, 'Create', 'Write')
$sha = [Security.Cryptography.SHA256]::Create()
$want = $null
try {
  while ($null -ne ($line = $in.ReadLine())) {
    if ($line.StartsWith('sha256:')) { $want = $line.Substring(7); continue }
    $bytes = [Convert]::FromBase64String($line)
    $out.Write($bytes, 0, $bytes.Length)
    [void]$sha.TransformBlock($bytes, 0, $bytes.Length, $null, 0)
  }
} finally { $out.Close() }
[void]$sha.TransformFinalBlock([byte[]]@(), 0, 0)
$got = -join ($sha.Hash | ForEach-Object { $_.ToString('x2') })
$length = (Get-Item -LiteralPath $part).Length
if ($length -ne ` + strconv.FormatInt(size, 10) + ` -or $got -ne $want) {
  Remove-Item -LiteralPath $part -Force
  throw "copy to $dst failed: received $length bytes with SHA-256 $got, expected ` + strconv.FormatInt(size, 10) + ` bytes with SHA-256 $want"
}
Move-Item -LiteralPath $part -Destination $dst -Force
`
}

// CopySpec is a file copy as a lab host receives it.
type CopySpec struct {
	Path string // destination path
	Size int64  // expected length in bytes
}

var copyHeaderPattern = regexp.MustCompile(`^# patchbay copy v1 size=(\d+) path=([A-Za-z0-9+/=]*)\n`)

// ParseCopyScript recognises a script written by CopyFile, for emulated
// hosts that apply copies without running PowerShell. Its standard input
// then carries base64 lines of the content and a final "sha256:HEX" line;
// ReadCopy decodes it.
func ParseCopyScript(script string) (CopySpec, bool) {
	m := copyHeaderPattern.FindStringSubmatch(strings.TrimPrefix(script, prelude+"try {\n"))
	if m == nil {
		return CopySpec{}, false
	}
	size, err1 := strconv.ParseInt(m[1], 10, 64)
	path, err2 := base64.StdEncoding.DecodeString(m[2])
	if err1 != nil || err2 != nil {
		return CopySpec{}, false
	}
	return CopySpec{Path: string(path), Size: size}, true
}

// ReadCopy decodes the standard input of a copy script and checks it as
// the script does, returning the file content.
func ReadCopy(spec CopySpec, stdin io.Reader) ([]byte, error) {
	var content []byte
	var want string
	scanner := bufio.NewScanner(stdin)
	scanner.Buffer(make([]byte, 64<<10), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if h, ok := strings.CutPrefix(line, "sha256:"); ok {
			want = h
			continue
		}
		chunk, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			return nil, fmt.Errorf("copy to %s: invalid base64 line: %w", spec.Path, err)
		}
		content = append(content, chunk...)
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	if int64(len(content)) != spec.Size || hex.EncodeToString(sum[:]) != want {
		return nil, fmt.Errorf("copy to %s failed: received %d bytes with SHA-256 %x, expected %d bytes with SHA-256 %s",
			spec.Path, len(content), sum, spec.Size, want)
	}
	return content, nil
}
