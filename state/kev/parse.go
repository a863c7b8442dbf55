package kev

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
	"time"
)

// ErrInvalid is returned, wrapped with the details, for input that is not
// a complete and valid KEV catalogue. Nothing of such input is usable.
var ErrInvalid = errors.New("invalid KEV catalogue")

// maxProblems is how many validation problems an error lists in full.
const maxProblems = 5

// Parse reads a catalogue in JSON or CSV form, telling them apart by the
// first non-space byte, and validates it.
func Parse(r io.Reader) (*Catalog, error) {
	br := bufio.NewReader(r)
	first, err := firstByte(br)
	if err != nil {
		return nil, err
	}
	switch first {
	case '{':
		return ParseJSON(br)
	case '<':
		body, _ := io.ReadAll(io.LimitReader(br, 64<<10))
		return nil, htmlError(body)
	default:
		return ParseCSV(br)
	}
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err == io.EOF {
			return 0, fmt.Errorf("%w: the input is empty", ErrInvalid)
		}
		if err != nil {
			return 0, fmt.Errorf("read KEV catalogue: %w", err)
		}
		if b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == 0xEF || b == 0xBB || b == 0xBF {
			continue // whitespace or a UTF-8 byte order mark
		}
		return b, br.UnreadByte()
	}
}

var titlePattern = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// cvrfPattern matches the root element of a CVRF document, with or without
// a namespace prefix.
var cvrfPattern = regexp.MustCompile(`<(\w+:)?cvrfdoc[\s>]`)

// htmlError describes an HTML page received where the catalogue was
// expected, which is what a proxy or a download error usually returns.
func htmlError(page []byte) error {
	if cvrfPattern.Match(page) {
		return fmt.Errorf("%w: expected the KEV catalogue JSON or CSV, got a Microsoft CVRF document: import it with patchbay kev import-msrc", ErrInvalid)
	}
	title := "without a title"
	if m := titlePattern.FindSubmatch(page); m != nil {
		title = fmt.Sprintf("titled %q", strings.Join(strings.Fields(html.UnescapeString(string(m[1]))), " "))
	}
	return fmt.Errorf("%w: expected the KEV catalogue JSON or CSV, got an HTML page %s: download the catalogue file again", ErrInvalid, title)
}

// rawCatalog mirrors the JSON with pointers, so that a missing required
// field differs from an empty one.
type rawCatalog struct {
	Title           string      `json:"title"`
	CatalogVersion  *string     `json:"catalogVersion"`
	DateReleased    *string     `json:"dateReleased"`
	Count           *int        `json:"count"`
	Vulnerabilities *[]rawEntry `json:"vulnerabilities"`
}

type rawEntry struct {
	CVEID                      *string  `json:"cveID"`
	VendorProject              *string  `json:"vendorProject"`
	Product                    *string  `json:"product"`
	VulnerabilityName          *string  `json:"vulnerabilityName"`
	DateAdded                  *string  `json:"dateAdded"`
	ShortDescription           *string  `json:"shortDescription"`
	RequiredAction             *string  `json:"requiredAction"`
	DueDate                    *string  `json:"dueDate"`
	KnownRansomwareCampaignUse string   `json:"knownRansomwareCampaignUse"`
	Notes                      string   `json:"notes"`
	CWEs                       []string `json:"cwes"`
}

// ParseJSON reads and validates the catalogue's JSON form. Fields newer
// than a catalogue (cwes, knownRansomwareCampaignUse, notes) may be absent.
func ParseJSON(r io.Reader) (*Catalog, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read KEV catalogue: %w", err)
	}
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("<")) {
		return nil, htmlError(trimmed)
	}
	var raw rawCatalog
	if err := json.Unmarshal(trimmed, &raw); err != nil {
		return nil, jsonError(err, len(trimmed))
	}
	return raw.validate()
}

func jsonError(err error, size int) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) && strings.Contains(err.Error(), "unexpected end") {
		return fmt.Errorf("%w: the JSON ends after %d bytes, so the download is truncated: download it again", ErrInvalid, size)
	}
	if errors.As(err, &syntax) {
		return fmt.Errorf("%w: JSON syntax error at byte %d: %v", ErrInvalid, syntax.Offset, err)
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Errorf("%w: field %q has a JSON %s where the schema expects %s", ErrInvalid, typeErr.Field, typeErr.Value, typeErr.Type)
	}
	return fmt.Errorf("%w: %v", ErrInvalid, err)
}

func (raw *rawCatalog) validate() (*Catalog, error) {
	var p problems
	p.require(raw.CatalogVersion, "catalogVersion")
	p.require(raw.DateReleased, "dateReleased")
	if raw.Count == nil {
		p.add("missing required field count")
	}
	var vulns []rawEntry
	if raw.Vulnerabilities == nil {
		p.add("missing required field vulnerabilities")
	} else {
		vulns = *raw.Vulnerabilities
	}

	c := &Catalog{Title: raw.Title}
	if raw.CatalogVersion != nil {
		c.Version = *raw.CatalogVersion
	}
	if raw.DateReleased != nil {
		c.Released = p.dateTime(*raw.DateReleased)
	}
	if raw.Count != nil && *raw.Count != len(vulns) {
		p.add(fmt.Sprintf("count is %d but the file lists %d vulnerabilities, so it is truncated or edited", *raw.Count, len(vulns)))
	}

	for i, re := range vulns {
		c.Entries = append(c.Entries, re.entry(&p, fmt.Sprintf("vulnerabilities[%d]", i)))
	}
	p.checkDuplicates(c.Entries)

	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

func (re rawEntry) entry(p *problems, where string) Entry {
	field := func(v *string, name string) string {
		if v == nil {
			p.add(fmt.Sprintf("%s: missing required field %s", where, name))
			return ""
		}
		return *v
	}
	e := Entry{
		CVE:            field(re.CVEID, "cveID"),
		Vendor:         strings.TrimSpace(field(re.VendorProject, "vendorProject")),
		Product:        strings.TrimSpace(field(re.Product, "product")),
		Name:           field(re.VulnerabilityName, "vulnerabilityName"),
		Description:    field(re.ShortDescription, "shortDescription"),
		RequiredAction: field(re.RequiredAction, "requiredAction"),
		Ransomware:     re.KnownRansomwareCampaignUse,
		Notes:          re.Notes,
		CWEs:           re.CWEs,
	}
	e.Added = p.date(field(re.DateAdded, "dateAdded"), where+".dateAdded", re.DateAdded != nil)
	e.Due = p.date(field(re.DueDate, "dueDate"), where+".dueDate", re.DueDate != nil)
	p.checkEntry(e, where)
	return e
}

// problems collects validation failures so that one error lists them all.
type problems struct {
	list  []string
	total int
}

func (p *problems) add(msg string) {
	p.total++
	if len(p.list) < maxProblems {
		p.list = append(p.list, msg)
	}
}

func (p *problems) require(v *string, name string) {
	if v == nil {
		p.add("missing required field " + name)
	}
}

func (p *problems) dateTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.add(fmt.Sprintf("dateReleased %q is not a date-time like 2025-08-25T17:04:19.9796Z", s))
	}
	return t
}

func (p *problems) date(s, where string, present bool) Date {
	if !present {
		return Date{}
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		p.add(fmt.Sprintf("%s %q is not a date like 2025-08-25", where, s))
	}
	return Date{t}
}

func (p *problems) checkEntry(e Entry, where string) {
	if e.CVE != "" && !ValidCVE(e.CVE) {
		p.add(fmt.Sprintf("%s: cveID %q is not of the form CVE-YYYY-NNNN", where, e.CVE))
	}
	for _, cwe := range e.CWEs {
		if !cwePattern.MatchString(cwe) {
			p.add(fmt.Sprintf("%s (%s): cwes value %q is not of the form CWE-N", where, e.CVE, cwe))
		}
	}
}

func (p *problems) checkDuplicates(entries []Entry) {
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if e.CVE != "" && seen[e.CVE] {
			p.add(fmt.Sprintf("%s is listed twice", e.CVE))
		}
		seen[e.CVE] = true
	}
}

func (p *problems) err() error {
	if p.total == 0 {
		return nil
	}
	msg := strings.Join(p.list, "; ")
	if more := p.total - len(p.list); more > 0 {
		msg += fmt.Sprintf("; and %d more", more)
	}
	return fmt.Errorf("%w: %s", ErrInvalid, msg)
}
