package parse

import (
	"slices"
	"testing"
)

func TestTablesStraddlingCell(t *testing.T) {
	output := "Name   Size Title\r\n" +
		"----   ---- -----\r\n" +
		"a       2GB First\r\n" +
		"b     198KB Second row\r\n" +
		"\r\n" +
		"X Other\n- -----\n1 z\n"
	tables := Tables(output)
	if len(tables) != 2 {
		t.Fatalf("got %d tables, want 2", len(tables))
	}
	if !slices.Equal(tables[0].Columns, []string{"Name", "Size", "Title"}) {
		t.Errorf("columns = %q", tables[0].Columns)
	}
	if !slices.Equal(tables[0].Rows[1], []string{"b", "198KB", "Second row"}) {
		t.Errorf("row 2 = %q", tables[0].Rows[1])
	}
	if !slices.Equal(tables[1].Rows[0], []string{"1", "z"}) {
		t.Errorf("second table row = %q", tables[1].Rows[0])
	}
}

func TestRecordsContinuation(t *testing.T) {
	records := Records("Name : A\nNote : first\n       second\n\nName : B\n")
	if len(records) != 2 {
		t.Fatalf("got %d records, want 2", len(records))
	}
	if records[0]["Note"] != "first second" {
		t.Errorf("Note = %q", records[0]["Note"])
	}
	if records[1]["Name"] != "B" {
		t.Errorf("second Name = %q", records[1]["Name"])
	}
}

func TestLinesEndings(t *testing.T) {
	got := Lines("a\r\nb\n\nc")
	if !slices.Equal(got, []string{"a", "b", "", "c"}) {
		t.Errorf("Lines = %q", got)
	}
}

func FuzzTables(f *testing.F) {
	f.Add("A  B\n-  -\n1  2\n")
	f.Add("Source  X\n------ --\n   abcdefgh ijk\n")
	f.Fuzz(func(t *testing.T, output string) {
		_ = Tables(output)
		_ = Records(output)
	})
}

func TestSplitListTrims(t *testing.T) {
	got := SplitList(" a, b,,c ,", ",")
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("SplitList = %q", got)
	}
}
