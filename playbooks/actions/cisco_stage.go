package actions

import (
	"context"
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"

	"patchbay/playbooks/book"
	"patchbay/playbooks/parse/cisco"
)

// ciscoStageImage copies a firmware image to the device's flash and
// verifies it there. It checks the local file against the expected
// digest first, then the free flash (`dir flash:`), copies over SCP and
// runs `verify /md5` or `verify /sha512` with the expected digest. An
// image already on flash with that digest is not copied again.
type ciscoStageImage struct{ spec }

func (ciscoStageImage) Name() string { return "cisco.stage_image" }

func checkStageParams(p book.Params) []book.ParamProblem {
	probs := p.CheckKnown("image", "digest")
	probs = append(probs, p.CheckRequired("image")...)
	probs = append(probs, p.CheckRequired("digest")...)
	if value := p.String("digest", ""); value != "" && !isDeferred(p, "digest") && !hexDigest.MatchString(value) {
		probs = append(probs, book.ParamProblem{Name: "digest", Message: fmt.Sprintf("parameter \"digest\" is %q; give the image's MD5 (32 hex digits) or SHA-512 (128 hex digits)", value)})
	}
	return probs
}

// expectedDigest returns the step's digest and its algorithm, which
// follows from its length: 32 hex digits for MD5, 128 for SHA-512.
func expectedDigest(p book.Params) (algorithm, digest string, err error) {
	digest = strings.ToLower(strings.TrimSpace(p.String("digest", "")))
	switch {
	case !hexDigest.MatchString(digest):
		return "", "", fmt.Errorf("digest %q is neither an MD5 nor a SHA-512 digest in hex; set it to the digest from Cisco's download page", digest)
	case len(digest) == 32:
		return "md5", digest, nil
	}
	return "sha512", digest, nil
}

func (ciscoStageImage) Run(ctx context.Context, x *Exec, p book.Params) error {
	if err := requireParams(p, "image", "digest"); err != nil {
		return err
	}
	if err := rejectHeldFirmware(x, p.String("image", ""), ""); err != nil {
		return err
	}
	algorithm, want, err := expectedDigest(p)
	if err != nil {
		return err
	}
	local := p.String("image", "")
	size, err := checkLocalImage(local, algorithm, want)
	if err != nil {
		return err
	}

	c, err := openCLI(ctx, x)
	if err != nil {
		return err
	}
	defer c.Close()
	target := flashName(p)
	if verifyOnFlash(ctx, c, algorithm, target, want) == nil {
		x.Report.Decision("image-present", target+" is already on flash with the expected digest")
		return nil
	}

	if err := checkFreeFlash(ctx, c, size); err != nil {
		return err
	}
	if err := copyImage(ctx, x, local, size, target); err != nil {
		return err
	}
	if err := verifyOnFlash(ctx, c, algorithm, target, want); err != nil {
		return err
	}
	x.Report.Decision("image-verified", fmt.Sprintf("%s copied to %s and verified with %s", local, target, algorithm))
	return nil
}

// checkLocalImage returns the size of the image file and fails when its
// digest differs from want, so a damaged download never reaches flash.
func checkLocalImage(path, algorithm, want string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open the image: %w; set the image variable to the local path of the downloaded image", err)
	}
	defer f.Close()
	var h hash.Hash = md5.New()
	if algorithm == "sha512" {
		h = sha512.New()
	}
	size, err := io.Copy(h, f)
	if err != nil {
		return 0, fmt.Errorf("read the image %s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return 0, fmt.Errorf("image %s has %s %s, not the expected %s; download it again", path, algorithm, got, want)
	}
	return size, nil
}

// checkFreeFlash fails when flash has less free space than size.
func checkFreeFlash(ctx context.Context, c *deviceCLI, size int64) error {
	out, err := c.read(ctx, "dir flash:")
	if err != nil {
		return err
	}
	_, free, err := cisco.ParseDirFree(out)
	if err != nil {
		return err
	}
	if free < size {
		return fmt.Errorf("host %s has %d bytes free on flash, the image needs %d; delete old images (delete flash:FILE) and run again",
			c.x.Host.Name, free, size)
	}
	return nil
}

// copyImage copies the local image to target over the session's SCP.
func copyImage(ctx context.Context, x *Exec, local string, size int64, target string) error {
	f, err := os.Open(local)
	if err != nil {
		return fmt.Errorf("open the image: %w", err)
	}
	defer f.Close()
	fmt.Fprintf(x.Stdout, "copying %s (%d bytes) to %s\n", local, size, target)
	if err := x.Session.CopyFile(ctx, f, size, target, 0o644); err != nil {
		return fmt.Errorf("copy the image to %s: %w", target, err)
	}
	return nil
}

// verifyOnFlash runs verify with the expected digest and fails unless
// the device reports a match.
func verifyOnFlash(ctx context.Context, c *deviceCLI, algorithm, file, want string) error {
	out, err := c.Run(ctx, fmt.Sprintf("verify /%s %s %s", algorithm, file, want))
	if err != nil {
		return err
	}
	result, err := cisco.ParseVerify(out)
	if errors.Is(err, cisco.ErrDigestMismatch) {
		return fmt.Errorf("host %s: %w; the copy is damaged, delete %s and run again", c.x.Host.Name, err, file)
	}
	if err != nil {
		return err
	}
	if !result.Verified {
		return fmt.Errorf("host %s: verify printed no match for %s", c.x.Host.Name, file)
	}
	return nil
}
