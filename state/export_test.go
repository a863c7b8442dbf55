package state

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func exportBytes(t *testing.T, s *Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func importBytes(t *testing.T, s *Store, b []byte) ImportResult {
	t.Helper()
	res, err := s.Import(context.Background(), bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// recordIDs returns each record's origin and origin seq, failing on a
// record held twice.
func recordIDs(t *testing.T, s *Store) map[string]bool {
	t.Helper()
	recs, err := s.Records(context.Background(), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range recs {
		id := fmt.Sprintf("%s/%d", r.Origin, r.OriginSeq)
		if ids[id] {
			t.Errorf("record %s held twice", id)
		}
		ids[id] = true
	}
	return ids
}

func TestExportImportMergesTwoJournals(t *testing.T) {
	ctx := context.Background()
	office, laptop := openTest(t), openTest(t)
	mustAppend(t, office, sampleEvents("office-run", 5)...)
	mustAppend(t, laptop, sampleEvents("field-run", 4)...)

	res := importBytes(t, office, exportBytes(t, laptop))
	if res.Read != 4 || res.Added != 4 || res.Skipped != 0 {
		t.Errorf("first import = %+v, want 4 read, 4 added", res)
	}
	res = importBytes(t, laptop, exportBytes(t, office))
	if res.Read != 9 || res.Added != 5 || res.Skipped != 4 {
		t.Errorf("import back = %+v, want 9 read, 5 added, 4 skipped", res)
	}
	res = importBytes(t, office, exportBytes(t, laptop))
	if res.Added != 0 {
		t.Errorf("repeated import added %d records", res.Added)
	}

	for name, s := range map[string]*Store{"office": office, "laptop": laptop} {
		v, err := s.Verify(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v.Break != nil {
			t.Errorf("%s journal broken after merge: %v", name, v.Break)
		}
		if v.Records != 9 {
			t.Errorf("%s journal holds %d records, want 9", name, v.Records)
		}
	}
	officeIDs, laptopIDs := recordIDs(t, office), recordIDs(t, laptop)
	for id := range officeIDs {
		if !laptopIDs[id] {
			t.Errorf("record %s missing from the laptop", id)
		}
	}
}

func TestImportKeepsOriginAndContent(t *testing.T) {
	ctx := context.Background()
	a, b := openTest(t), openTest(t)
	src := mustAppend(t, a, sampleEvents("r1", 2)...)
	importBytes(t, b, exportBytes(t, a))
	got, err := b.Records(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d records imported, want 2", len(got))
	}
	if got[1].Origin != a.ID() || got[1].OriginSeq != src[1].Seq {
		t.Errorf("origin = %s/%d, want %s/%d", got[1].Origin, got[1].OriginSeq, a.ID(), src[1].Seq)
	}
	if string(got[1].Payload) != string(src[1].Payload) || !got[1].Time.Equal(src[1].Time) {
		t.Errorf("imported %s at %v, want %s at %v", got[1].Payload, got[1].Time, src[1].Payload, src[1].Time)
	}
}

func TestImportRejectsTamperedExport(t *testing.T) {
	ctx := context.Background()
	a, b := openTest(t), openTest(t)
	mustAppend(t, a, sampleEvents("r1", 4)...)
	lines := strings.Split(strings.TrimSpace(string(exportBytes(t, a))), "\n")

	cases := map[string][]string{
		"edited":    append(append([]string{}, lines[:2]...), append([]string{strings.Replace(lines[2], "ws-1", "ws-2", 1)}, lines[3:]...)...),
		"cut":       lines[:len(lines)-1],
		"reordered": {lines[0], lines[1], lines[3], lines[2], lines[4]},
	}
	for name, tampered := range cases {
		_, err := b.Import(ctx, strings.NewReader(strings.Join(tampered, "\n")))
		if !errors.Is(err, ErrForeignChain) {
			t.Errorf("%s export: import error = %v, want ErrForeignChain", name, err)
		}
	}
	if _, err := b.Import(ctx, strings.NewReader(`{"seq":1}`)); err == nil {
		t.Error("file without a header was imported")
	}
	recs, err := b.Records(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 0 {
		t.Errorf("rejected imports left %d records", len(recs))
	}
}

func TestImportRejectsEmptyOrCutLine(t *testing.T) {
	a, b := openTest(t), openTest(t)
	mustAppend(t, a, sampleEvents("r1", 2)...)
	export := string(exportBytes(t, a))

	cases := map[string]struct{ input, want string }{
		"empty":    {"", "the file is empty"},
		"cut line": {export[:len(export)-20], "line 3 is not a JSON record"},
	}
	for name, tc := range cases {
		_, err := b.Import(context.Background(), strings.NewReader(tc.input))
		if err == nil {
			t.Errorf("%s export was imported", name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s export: error = %v, want %q", name, err, tc.want)
		}
		if strings.Contains(err.Error(), "%!") {
			t.Errorf("%s export: error has a formatting fault: %v", name, err)
		}
	}
}

func TestExportHeaderCarriesHead(t *testing.T) {
	s := openTest(t)
	recs := mustAppend(t, s, sampleEvents("r1", 3)...)
	header, _, err := readExport(bytes.NewReader(exportBytes(t, s)))
	if err != nil {
		t.Fatal(err)
	}
	want := Head{Seq: 3, Hash: recs[2].Hash}.String()
	if header.Head != want || header.Records != 3 || header.Journal != s.ID() {
		t.Errorf("header = %+v, want head %s, 3 records, journal %s", header, want, s.ID())
	}
}
