// Package md writes a report as Markdown that pastes into a ticket: a
// heading, the journal head, and one pipe table per section.
package md

import (
	"fmt"
	"io"
	"strings"

	"patchbay/state/report/model"
)

// Write writes q to w.
func Write(w io.Writer, q *model.Quarterly) error {
	site := "all sites"
	if q.Site != "" {
		site = "site " + q.Site
	}
	title := fmt.Sprintf("Quarterly compliance report %s, %s", q.Quarter, site)
	intro := fmt.Sprintf("Built from the journal up to record %s. Quarter coverage: **%s**.", q.Head, q.Total().QuarterEnd)
	return WriteTables(w, title, intro, q.Tables())
}

// WriteTables writes a level-1 title, an introduction paragraph and one
// level-2 section per table.
func WriteTables(w io.Writer, title, intro string, tables []model.Table) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n", escape(title), intro)
	for _, t := range tables {
		fmt.Fprintf(&b, "\n## %s\n\n", escape(t.Title))
		if len(t.Rows) == 0 {
			b.WriteString("None.\n")
			continue
		}
		writeRow(&b, t.Columns)
		b.WriteString("|" + strings.Repeat(" --- |", len(t.Columns)) + "\n")
		for _, row := range t.Rows {
			writeRow(&b, row)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRow(b *strings.Builder, cells []string) {
	b.WriteString("|")
	for _, c := range cells {
		b.WriteString(" " + escape(c) + " |")
	}
	b.WriteString("\n")
}

// escape keeps a cell on one line and its pipes from splitting the row.
func escape(s string) string {
	s = strings.ReplaceAll(s, "\\", "\\\\")
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.Join(strings.Fields(s), " ")
}
