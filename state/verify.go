package state

import (
	"context"
	"fmt"
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
// when the journal cannot be read; a broken chain is reported in Break.
//
// NOTE: Verify holds every record in memory while it checks the chain.
func (s *Store) Verify(ctx context.Context, expect *Head) (Verification, error) {
	tx, err := s.db.BeginTx(ctx, &sqlReadOnly)
	if err != nil {
		return Verification{}, fmt.Errorf("verify journal: %w", err)
	}
	defer tx.Rollback()

	var recs []event.Record
	err = scanRecords(ctx, tx, Filter{}, func(r event.Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return Verification{}, err
	}
	return VerifyRecords(recs, expect), nil
}

// VerifyRecords checks a chain given in seq order, as Store.Verify does.
func VerifyRecords(recs []event.Record, expect *Head) Verification {
	v := Verification{Records: int64(len(recs)), Head: Head{Hash: GenesisHash}}
	if n := len(recs); n > 0 {
		v.Head = Head{Seq: recs[n-1].Seq, Hash: recs[n-1].Hash}
	}

	pos := make(map[string]int, len(recs))
	for i := len(recs) - 1; i >= 0; i-- {
		pos[recs[i].Hash] = i
	}
	prev := Head{Hash: GenesisHash}
	for i, r := range recs {
		if b := checkRecord(recs, pos, i, prev); b != nil {
			v.Break = b
			return v
		}
		prev = Head{Seq: r.Seq, Hash: r.Hash}
	}
	if expect != nil {
		v.Break = checkExpectedHead(recs, *expect)
	}
	return v
}

// checkRecord checks that record i links to prev and matches its own hash.
func checkRecord(recs []event.Record, pos map[string]int, i int, prev Head) *Break {
	r := recs[i]
	if r.PrevHash != prev.Hash {
		return linkBreak(recs, pos, i, prev)
	}
	if h, err := Hash(r); err != nil || h != r.Hash {
		return &Break{Seq: r.Seq, Kind: BreakEdit,
			Reason: "the record's content does not match its hash: it was changed after it was written"}
	}
	if r.Seq != prev.Seq+1 {
		return &Break{Seq: r.Seq, Kind: BreakEdit,
			Reason: fmt.Sprintf("seq %d follows seq %d in a chain that links them", r.Seq, prev.Seq)}
	}
	return nil
}

// linkBreak explains why record i does not link to the record before it,
// from where the hash it links to is found.
func linkBreak(recs []event.Record, pos map[string]int, i int, prev Head) *Break {
	r := recs[i]
	k, found := pos[r.PrevHash]
	switch {
	case found && k >= i:
		return &Break{Seq: r.Seq, Kind: BreakReorder,
			Reason: fmt.Sprintf("the record links to seq %d, which comes after it", recs[k].Seq)}
	case found:
		return &Break{Seq: recs[k+1].Seq, Kind: BreakInsertion,
			Reason: fmt.Sprintf("seq %d links to seq %d, so seq %d to %d were inserted",
				r.Seq, recs[k].Seq, recs[k+1].Seq, recs[i-1].Seq)}
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
		Reason: fmt.Sprintf("the record was changed and rehashed: seq %d links to its original hash", r.Seq)}
}

func checkExpectedHead(recs []event.Record, expect Head) *Break {
	if expect.Seq == 0 && expect.Hash == GenesisHash {
		return nil
	}
	for _, r := range recs {
		if r.Seq != expect.Seq {
			continue
		}
		if r.Hash != expect.Hash {
			return &Break{Seq: r.Seq, Kind: BreakRewritten,
				Reason: fmt.Sprintf("seq %d has hash %s, but the expected head is %s", r.Seq, r.Hash, expect)}
		}
		return nil
	}
	last := int64(0)
	if n := len(recs); n > 0 {
		last = recs[n-1].Seq
	}
	return &Break{Seq: last + 1, Kind: BreakCut,
		Reason: fmt.Sprintf("the journal ends at seq %d, before the expected head %s: records were cut from the end", last, expect)}
}
