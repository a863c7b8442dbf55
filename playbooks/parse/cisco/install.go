package cisco

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"patchbay/playbooks/parse"
)

// ErrInsufficientSpace reports that an install add failed because the
// device's flash lacks room for the image's packages. Removing inactive
// packages (`install remove inactive`) usually frees enough.
var ErrInsufficientSpace = errors.New("insufficient flash space")

// InstallResult is the outcome of `install add file ... activate commit`.
type InstallResult struct {
	Succeeded bool     // "SUCCESS: install_add_activate_commit" seen
	Failed    bool     // a "FAILED:" line seen
	Version   string   // "17.15.01a.0.193" from "Image added. Version:"
	Packages  []string // the .pkg files listed for activation
	// ReloadPrompted is true when the output shows the "[y/n]" reload
	// question, which the caller answered.
	ReloadPrompted bool
	Failures       []string // every FAILED line, member lines included
	RequiredKB     int64    // from an insufficient-space failure
	AvailableKB    int64
}

var (
	addedVersion = regexp.MustCompile(`^Image added\. Version: (\S+)`)
	spaceFailure = regexp.MustCompile(`requires (\d+) KB of free space, but only (\d+) KB is available`)
)

// ParseInstall parses the output of the one-shot IOS-XE `install add file
// FILE activate commit`. The error wraps ErrInsufficientSpace when the
// device lacked flash space, and names the first FAILED line for any other
// failure. Output that ends before a SUCCESS or FAILED marker (the session
// dropped) returns a result with neither flag set and no error.
func ParseInstall(output string) (InstallResult, error) {
	var result InstallResult
	for _, line := range parse.Lines(output) {
		result.readLine(strings.TrimSpace(line))
	}
	switch {
	case result.RequiredKB > 0:
		return result, fmt.Errorf("install add: %w: %d KB required, %d KB available",
			ErrInsufficientSpace, result.RequiredKB, result.AvailableKB)
	case result.Failed:
		return result, fmt.Errorf("install add activate commit failed: %s", result.Failures[0])
	}
	return result, nil
}

func (r *InstallResult) readLine(line string) {
	switch {
	case strings.HasPrefix(line, "SUCCESS: install_add_activate_commit"):
		r.Succeeded = true
	case strings.Contains(line, "FAILED:"):
		r.Failed = true
		r.Failures = append(r.Failures, line)
		if m := spaceFailure.FindStringSubmatch(line); m != nil {
			r.RequiredKB, _ = strconv.ParseInt(m[1], 10, 64)
			r.AvailableKB, _ = strconv.ParseInt(m[2], 10, 64)
		}
	case strings.Contains(line, "Do you want to proceed? [y/n]"):
		r.ReloadPrompted = true
	case strings.HasSuffix(line, ".pkg") && strings.HasPrefix(line, "/"):
		r.Packages = append(r.Packages, line)
	default:
		if m := addedVersion.FindStringSubmatch(line); m != nil {
			r.Version = m[1]
		}
	}
}

var dirTotals = regexp.MustCompile(`(\d+) bytes total \((\d+) bytes free\)`)

// ParseDirFree reads the total and free bytes from the last line of `dir
// flash:` (or bootflash:), "1621966848 bytes total (1373347840 bytes
// free)".
func ParseDirFree(output string) (total, free int64, err error) {
	m := dirTotals.FindStringSubmatch(output)
	if m == nil {
		return 0, 0, fmt.Errorf("dir: no \"N bytes total (M bytes free)\" line in the output")
	}
	total, err = strconv.ParseInt(m[1], 10, 64)
	if err == nil {
		free, err = strconv.ParseInt(m[2], 10, 64)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("dir: invalid byte count: %w", err)
	}
	return total, free, nil
}

// ErrDigestMismatch reports that verify computed a digest other than the
// expected one.
var ErrDigestMismatch = errors.New("image digest mismatch")

// Verify is the result of `verify /md5` or `verify /sha512`.
type Verify struct {
	Algorithm string // "md5" or "sha512"
	File      string // "flash:c3560cx-universalk9-mz.152-7.E4.bin"
	Digest    string // computed digest, lower case
	// Verified is true when the device compared the digest with an
	// expected one given on the command line and they matched.
	Verified bool
}

var (
	verifyResult   = regexp.MustCompile(`(?i)^(verif(?:y|ied))(?: ?/ ?(md5|sha512))? ?\(([^)]+)\) = ([0-9a-f]+)`)
	verifyMismatch = regexp.MustCompile(`(?i)^%\s*Error verifying (\S+)`)
	computedDigest = regexp.MustCompile(`(?i)^Computed signature\s*=\s*([0-9a-f]+)`)
)

// algorithmByLength names the digest of a "Verified (FILE) = DIGEST" line,
// which omits the algorithm, by its length in hex digits.
var algorithmByLength = map[int]string{32: "md5", 128: "sha512"}

// ParseVerify parses `verify /md5 FILE [DIGEST]` or `verify /sha512 FILE
// [DIGEST]`. Without an expected digest the device prints "verify /md5
// (FILE) = DIGEST". With one it prints "Verified (FILE) = DIGEST" on a
// match. On a mismatch it prints "%Error verifying FILE" and "Computed
// signature = DIGEST", and ParseVerify returns ErrDigestMismatch.
func ParseVerify(output string) (Verify, error) {
	var result Verify
	mismatch := false
	for _, line := range parse.Lines(output) {
		line = strings.TrimSpace(line)
		if m := verifyResult.FindStringSubmatch(line); m != nil {
			result = Verify{Verified: strings.EqualFold(m[1], "verified"), Algorithm: strings.ToLower(m[2]),
				File: strings.TrimSpace(m[3]), Digest: strings.ToLower(m[4])}
		} else if m := verifyMismatch.FindStringSubmatch(line); m != nil {
			mismatch, result.File = true, m[1]
		} else if m := computedDigest.FindStringSubmatch(line); m != nil {
			result.Digest = strings.ToLower(m[1])
		}
	}
	if mismatch {
		return result, fmt.Errorf("verify %s: %w: computed %s", result.File, ErrDigestMismatch, result.Digest)
	}
	if result.Digest == "" {
		return result, fmt.Errorf("verify: no digest line in the output")
	}
	if result.Algorithm == "" {
		result.Algorithm = algorithmByLength[len(result.Digest)]
	}
	return result, nil
}
