package kev

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// csvRequired lists the CSV columns that the schema requires.
var csvRequired = []string{
	"cveID", "vendorProject", "product", "vulnerabilityName",
	"dateAdded", "shortDescription", "requiredAction", "dueDate",
}

// ParseCSV reads and validates the catalogue's CSV form. The CSV has no
// version or release date, so Version is the latest dateAdded written as
// YYYY.MM.DD (the catalogue's own version scheme) and Released is that
// date at midnight UTC. A caller that knows the real values may overwrite
// both.
func ParseCSV(r io.Reader) (*Catalog, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked per record, with a clearer message
	header, err := cr.Read()
	if err != nil {
		return nil, csvError(err)
	}
	columns, err := csvColumns(header)
	if err != nil {
		return nil, err
	}
	var p problems
	c := &Catalog{}
	for {
		record, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		c.Entries = append(c.Entries, csvEntry(record, columns, header, &p, line))
	}
	p.checkDuplicates(c.Entries)
	if err := p.err(); err != nil {
		return nil, err
	}
	c.setVersionFromDates()
	return c, nil
}

func csvError(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the CSV is empty", ErrInvalid)
	}
	var parseErr *csv.ParseError
	if errors.As(err, &parseErr) && errors.Is(parseErr.Err, csv.ErrQuote) {
		return fmt.Errorf("%w: CSV line %d: %v, so the download is truncated or damaged: download it again", ErrInvalid, parseErr.Line, parseErr.Err)
	}
	return fmt.Errorf("%w: %v", ErrInvalid, err)
}

func csvColumns(header []string) (map[string]int, error) {
	columns := make(map[string]int, len(header))
	for i, name := range header {
		columns[strings.TrimSpace(strings.TrimPrefix(name, "\uFEFF"))] = i
	}
	var missing []string
	for _, name := range csvRequired {
		if _, ok := columns[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: the CSV header lacks the required columns %s (expected the KEV catalogue CSV starting with cveID,vendorProject,product,...)",
			ErrInvalid, strings.Join(missing, ", "))
	}
	return columns, nil
}

func csvEntry(record []string, columns map[string]int, header []string, p *problems, line int) Entry {
	where := fmt.Sprintf("CSV line %d", line)
	if len(record) != len(header) {
		p.add(fmt.Sprintf("%s has %d fields but the header has %d", where, len(record), len(header)))
		return Entry{}
	}
	cell := func(name string) *string {
		i, ok := columns[name]
		if !ok {
			return nil
		}
		return &record[i]
	}
	re := rawEntry{
		CVEID: cell("cveID"), VendorProject: cell("vendorProject"), Product: cell("product"),
		VulnerabilityName: cell("vulnerabilityName"), DateAdded: cell("dateAdded"),
		ShortDescription: cell("shortDescription"), RequiredAction: cell("requiredAction"),
		DueDate: cell("dueDate"),
	}
	if v := cell("knownRansomwareCampaignUse"); v != nil {
		re.KnownRansomwareCampaignUse = *v
	}
	if v := cell("notes"); v != nil {
		re.Notes = *v
	}
	if v := cell("cwes"); v != nil {
		re.CWEs = splitCWEs(*v)
	}
	return re.entry(p, where)
}

// splitCWEs splits the CSV's single cwes cell, such as "CWE-59, CWE-436".
func splitCWEs(cell string) []string {
	var cwes []string
	for _, part := range strings.Split(cell, ",") {
		if part = strings.TrimSpace(part); part != "" {
			cwes = append(cwes, part)
		}
	}
	return cwes
}

func (c *Catalog) setVersionFromDates() {
	var latest time.Time
	for _, e := range c.Entries {
		if e.Added.After(latest) {
			latest = e.Added.Time
		}
	}
	c.Released = latest
	if !latest.IsZero() {
		c.Version = latest.Format("2006.01.02")
	}
}
