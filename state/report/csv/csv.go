// Package csv writes a quarterly report's tables as CSV: one stream with
// a leading table column, or one file per table.
package csv

import (
	stdcsv "encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"patchbay/state/report/model"
)

// Write writes every table of q to w as one CSV stream. Each table starts
// with a header row whose first cell is "table"; every row starts with
// its table's name. Tables differ in width, so readers must accept a
// varying number of fields.
func Write(w io.Writer, q *model.Quarterly) error {
	return WriteTables(w, q.Tables())
}

// WriteTables writes tables to w in the form Write describes.
func WriteTables(w io.Writer, tables []model.Table) error {
	cw := stdcsv.NewWriter(w)
	for _, t := range tables {
		if err := cw.Write(append([]string{"table"}, t.Columns...)); err != nil {
			return err
		}
		for _, row := range t.Rows {
			if err := cw.Write(append([]string{t.Name}, row...)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteDir writes each table of q to its own file, NAME.csv, in dir,
// which must exist.
func WriteDir(dir string, q *model.Quarterly) error {
	for _, t := range q.Tables() {
		if err := writeFile(filepath.Join(dir, t.Name+".csv"), t); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes t to path with mode 0600, as the other report files
// get, because the tables name hosts.
func writeFile(path string, t model.Table) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write report table: %w", err)
	}
	cw := stdcsv.NewWriter(f)
	if err := cw.Write(t.Columns); err == nil {
		err = cw.WriteAll(t.Rows)
	}
	if err := cw.Error(); err != nil {
		f.Close()
		return fmt.Errorf("write report table %s: %w", path, err)
	}
	return f.Close()
}
