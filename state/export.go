package state

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"patchbay/state/event"
)

// ExportFormat names the JSON Lines export in its header.
const ExportFormat = "patchbay-journal"

// ExportHeader is the first line of an export. The records follow, one JSON
// object per line, in seq order.
type ExportHeader struct {
	Format   string    `json:"format"` // always ExportFormat
	Version  int       `json:"version"`
	Journal  string    `json:"journal"` // origin id of the exporting journal
	Head     string    `json:"head"`    // SEQ:HASH of the last record
	Records  int64     `json:"records"`
	Exported time.Time `json:"exported"`
}

// ErrForeignChain means an import file's chain does not verify.
var ErrForeignChain = errors.New("imported journal does not verify")

// Export writes the whole journal to w as JSON Lines: an ExportHeader, then
// every record with its hashes, from one snapshot. It returns the head.
func (s *Store) Export(ctx context.Context, w io.Writer) (Head, error) {
	tx, err := s.db.BeginTx(ctx, &sqlReadOnly)
	if err != nil {
		return Head{}, fmt.Errorf("export journal: %w", err)
	}
	defer tx.Rollback()

	head, err := headTx(ctx, tx)
	if err != nil {
		return Head{}, err
	}
	var count int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM records`).Scan(&count); err != nil {
		return Head{}, fmt.Errorf("export journal: %w", err)
	}

	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // payloads must stay byte for byte as hashed
	header := ExportHeader{Format: ExportFormat, Version: 1, Journal: s.id,
		Head: head.String(), Records: count, Exported: s.now().UTC()}
	if err := enc.Encode(header); err != nil {
		return Head{}, fmt.Errorf("export journal: %w", err)
	}
	err = scanRecords(ctx, tx, Filter{}, func(r event.Record) error {
		return enc.Encode(r)
	})
	if err != nil {
		return Head{}, fmt.Errorf("export journal: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return Head{}, fmt.Errorf("export journal: %w", err)
	}
	return head, nil
}

// ImportResult counts what Import did.
type ImportResult struct {
	Journal string // origin id of the exporting journal
	Head    Head   // head of the imported chain
	Read    int    // records in the file
	Added   int    // records appended to this journal
	Skipped int    // records this journal already held
}

// Import merges an export into this journal in one transaction. It first
// checks that the file's chain verifies and ends at the head its header
// names, and fails with ErrForeignChain otherwise. It skips the records
// this journal already contains, by origin and origin seq. It appends the
// others as new local records that keep their origin, time and content.
func (s *Store) Import(ctx context.Context, r io.Reader) (ImportResult, error) {
	header, recs, err := readExport(r)
	if err != nil {
		return ImportResult{}, err
	}
	head, err := ParseHead(header.Head)
	if err != nil {
		return ImportResult{}, fmt.Errorf("import journal: header: %w", err)
	}
	if v := VerifyRecords(recs, &head); v.Break != nil {
		return ImportResult{}, fmt.Errorf("%w: %w", ErrForeignChain, v.Break)
	}

	res := ImportResult{Journal: header.Journal, Head: head, Read: len(recs)}
	for i := range recs {
		if recs[i].Payload, err = canonicalJSON(recs[i].Payload, s.redactor.Redact); err != nil {
			return res, fmt.Errorf("import record %d: %w", recs[i].Seq, err)
		}
	}
	added, err := s.commit(ctx, recs, true, nil)
	if err != nil {
		return res, fmt.Errorf("import journal: %w", err)
	}
	res.Added = len(added)
	res.Skipped = res.Read - res.Added
	return res, nil
}

// maxExportLine is the longest line Import reads. It leaves room for an
// output record of a full step cap (event.DefaultOutputCap) with every byte
// JSON-escaped, and for large inventory snapshots.
const maxExportLine = 64 << 20

// NOTE: readExport holds the whole export in memory, payloads included.
func readExport(r io.Reader) (ExportHeader, []event.Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxExportLine)
	var header ExportHeader
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return header, nil, fmt.Errorf("import journal: %w", err)
		}
		return header, nil, errors.New("import journal: the file is empty: export with `patchbay journal export --format jsonl`")
	}
	if err := json.Unmarshal(sc.Bytes(), &header); err != nil || header.Format != ExportFormat {
		return header, nil, fmt.Errorf("import journal: line 1 is not a %s header: export with `patchbay journal export --format jsonl`", ExportFormat)
	}
	if header.Version != 1 {
		return header, nil, fmt.Errorf("import journal: unsupported export version %d, want 1", header.Version)
	}

	var recs []event.Record
	for line := 2; sc.Scan(); line++ {
		var rec event.Record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return header, nil, fmt.Errorf("import journal: line %d is not a JSON record (%w), so the export is truncated or damaged: export it again", line, err)
		}
		if rec.Origin == "" || rec.OriginSeq <= 0 {
			return header, nil, fmt.Errorf("import journal: line %d: record %d has no origin", line, rec.Seq)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return header, nil, fmt.Errorf("import journal: %w", err)
	}
	return header, recs, nil
}
