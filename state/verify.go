package state

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"patchbay/state/event"
)

// BreakKind names how a chain was broken.
type BreakKind string

// The ways Verify finds a chain broken.
const (
	BreakEdit      BreakKind = "edit"      // a record's content changed after it was written
	BreakDeletion  BreakKind = "deletion"  // records are missing from the chain
	BreakInsertion BreakKind = "insertion" // records that were never in the chain were added
	BreakReorder   BreakKind = "reorder"   // records are out of their written order
	BreakCut       BreakKind = "cut"       // the journal ends before an expected head
	BreakRewritten BreakKind = "rewritten" // the expected head's seq holds a different record
)

// Break is the first place where a chain does not hold.
type Break struct {
	Seq    int64     `json:"seq"`
	Kind   BreakKind `json:"kind"`
	Reason string    `json:"reason"`
}

func (b *Break) Error() string {
	return fmt.Sprintf("journal broken at seq %d (%s): %s", b.Seq, b.Kind, b.Reason)
}

// Verification is the result of checking a journal.
type Verification struct {
	Records int64  `json:"records"`
	Head    Head   `json:"head"`
	Break   *Break `json:"break,omitempty"` // nil when the chain holds
}

// ParseHead parses SEQ:HASH as printed by Head.String.
func ParseHead(s string) (Head, error) {
	seq, hash, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 0 || len(hash) != 64 {
		return Head{}, fmt.Errorf("invalid head %q: want SEQ:HASH, for example 42:%s", s, GenesisHash)
	}
	return Head{Seq: n, Hash: strings.ToLower(hash)}, nil
}

// Verify checks the whole chain and, when expect is not nil, that the
// journal still contains the record expect names. It returns an error only
// when the journal cannot be read, and reports a broken chain in Break.
//
// Verify reads the journal twice in one snapshot: first the seq and hash of
// every record, to place the hash a record links to, then each record in
// turn. Only the seqs and hashes stay in memory.
func (s *Store) Verify(ctx context.Context, expect *Head) (Verification, error) {
	tx, err := s.db.BeginTx(ctx, &sqlReadOnly)
	if err != nil {
		return Verification{}, fmt.Errorf("verify journal: %w", err)
	}
	defer tx.Rollback()

	idx, err := readChainIndex(ctx, tx)
	if err != nil {
		return Verification{}, err
	}
	c := newChainCheck(idx, expect)
	err = scanRecords(ctx, tx, Filter{}, func(r event.Record) error {
		if !c.add(r) {
			return errStopScan
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return Verification{}, err
	}
	return c.result(), nil
}

var errStopScan = errors.New("stop scan")

// VerifyRecords checks a chain given in seq order, as Store.Verify does.
func VerifyRecords(recs []event.Record, expect *Head) Verification {
	idx := chainIndex{pos: make(map[string]int, len(recs))}
	for _, r := range recs {
		idx.append(r.Seq, r.Hash)
	}
	c := newChainCheck(idx, expect)
	for _, r := range recs {
		if !c.add(r) {
			break
		}
	}
	return c.result()
}

// chainIndex holds the seq and hash of every record in seq order, and the
// position of the first record with each hash.
type chainIndex struct {
	seqs   []int64
	hashes []string
	pos    map[string]int
}

func (x *chainIndex) append(seq int64, hash string) {
	if _, dup := x.pos[hash]; !dup {
		x.pos[hash] = len(x.seqs)
	}
	x.seqs = append(x.seqs, seq)
	x.hashes = append(x.hashes, hash)
}

func readChainIndex(ctx context.Context, q rowsQueryer) (chainIndex, error) {
	idx := chainIndex{pos: map[string]int{}}
	rows, err := q.QueryContext(ctx, `SELECT seq, hash FROM records ORDER BY seq`)
	if err != nil {
		return idx, fmt.Errorf("verify journal: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var hash string
		if err := rows.Scan(&seq, &hash); err != nil {
			return idx, fmt.Errorf("verify journal: %w", err)
		}
		idx.append(seq, hash)
	}
	if err := rows.Err(); err != nil {
		return idx, fmt.Errorf("verify journal: %w", err)
	}
	return idx, nil
}

// chainCheck walks a chain one record at a time.
type chainCheck struct {
	idx    chainIndex
	expect *Head
	next   int  // position of the next record
	prev   Head // the record before it
	brk    *Break
}

func newChainCheck(idx chainIndex, expect *Head) *chainCheck {
	return &chainCheck{idx: idx, expect: expect, prev: Head{Hash: GenesisHash}}
}

// add checks the record at the next position and reports whether the
// chain still holds.
func (c *chainCheck) add(r event.Record) bool {
	c.brk = checkRecord(r, c.next, c.prev, c.idx)
	c.next++
	c.prev = Head{Seq: r.Seq, Hash: r.Hash}
	return c.brk == nil
}

func (c *chainCheck) result() Verification {
	n := len(c.idx.seqs)
	v := Verification{Records: int64(n), Head: Head{Hash: GenesisHash}, Break: c.brk}
	if n > 0 {
		v.Head = Head{Seq: c.idx.seqs[n-1], Hash: c.idx.hashes[n-1]}
	}
	if v.Break == nil && c.expect != nil {
		v.Break = checkExpectedHead(c.idx, *c.expect)
	}
	return v
}

// checkRecord checks that record r, at position i, links to prev and
// matches its own hash.
func checkRecord(r event.Record, i int, prev Head, idx chainIndex) *Break {
	if r.PrevHash != prev.Hash {
		return linkBreak(r, i, prev, idx)
	}
	if h, err := Hash(r); err != nil || h != r.Hash {
		return &Break{Seq: r.Seq, Kind: BreakEdit,
			Reason: "the record's content does not match its hash, so it was changed after it was written"}
	}
	if r.Seq != prev.Seq+1 {
		return &Break{Seq: r.Seq, Kind: BreakEdit,
			Reason: fmt.Sprintf("seq %d follows seq %d in a chain that links them", r.Seq, prev.Seq)}
	}
	return nil
}

// linkBreak explains why record r, at position i, does not link to the
// record before it, from where the hash it links to is found.
func linkBreak(r event.Record, i int, prev Head, idx chainIndex) *Break {
	k, found := idx.pos[r.PrevHash]
	switch {
	case found && k >= i:
		return &Break{Seq: r.Seq, Kind: BreakReorder,
			Reason: fmt.Sprintf("the record links to seq %d, which comes after it", idx.seqs[k])}
	case found:
		return &Break{Seq: idx.seqs[k+1], Kind: BreakInsertion,
			Reason: fmt.Sprintf("seq %d links to seq %d, so seq %d to %d were inserted",
				r.Seq, idx.seqs[k], idx.seqs[k+1], idx.seqs[i-1])}
	case r.PrevHash == GenesisHash:
		return &Break{Seq: r.Seq, Kind: BreakInsertion,
			Reason: "the record claims to start the chain but follows other records"}
	case r.Seq > prev.Seq+1:
		return &Break{Seq: prev.Seq + 1, Kind: BreakDeletion,
			Reason: fmt.Sprintf("seq %d to %d are missing", prev.Seq+1, r.Seq-1)}
	case i == 0:
		return &Break{Seq: r.Seq, Kind: BreakDeletion,
			Reason: "the records before the first one are missing"}
	}
	if h, err := Hash(r); err != nil || h != r.Hash {
		return &Break{Seq: r.Seq, Kind: BreakDeletion,
			Reason: "the record it links to is missing and it was renumbered to close the gap"}
	}
	return &Break{Seq: prev.Seq, Kind: BreakEdit,
		Reason: fmt.Sprintf("the record was changed and rehashed, because seq %d still links to its original hash", r.Seq)}
}

func checkExpectedHead(idx chainIndex, expect Head) *Break {
	if expect.Seq == 0 && expect.Hash == GenesisHash {
		return nil
	}
	i := sort.Search(len(idx.seqs), func(i int) bool { return idx.seqs[i] >= expect.Seq })
	if i < len(idx.seqs) && idx.seqs[i] == expect.Seq {
		if idx.hashes[i] != expect.Hash {
			return &Break{Seq: expect.Seq, Kind: BreakRewritten,
				Reason: fmt.Sprintf("seq %d has hash %s, but the expected head is %s", expect.Seq, idx.hashes[i], expect)}
		}
		return nil
	}
	last := int64(0)
	if n := len(idx.seqs); n > 0 {
		last = idx.seqs[n-1]
	}
	return &Break{Seq: last + 1, Kind: BreakCut,
		Reason: fmt.Sprintf("the journal ends at seq %d, before the expected head %s, so records were cut from the end", last, expect)}
}
