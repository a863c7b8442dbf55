package parse

import "strings"

// Table is one PowerShell Format-Table block: a header line, a line of
// dashes under each column name, and rows up to the next blank line.
type Table struct {
	Columns []string
	Rows    [][]string // one cell per column, trimmed; empty when blank
}

// Tables finds every Format-Table block in output. Column bounds come from
// the dash line. PowerShell right-aligns numbers and may print a value that
// starts before its column (a wide size, or a date after a truncated
// "Name..." cell), so a cell that straddles a bound moves the bound left
// to the space before it.
func Tables(output string) []Table {
	lines := Lines(output)
	var tables []Table
	for i := 1; i < len(lines); i++ {
		starts := dashColumns(lines[i])
		if starts == nil || len(lines[i-1]) == 0 {
			continue
		}
		table := Table{Columns: cells(lines[i-1], starts)}
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			table.Rows = append(table.Rows, cells(lines[i], starts))
		}
		tables = append(tables, table)
	}
	return tables
}

// dashColumns returns the start of each dash run when line holds only
// dashes and spaces, or nil otherwise.
func dashColumns(line string) []int {
	line = strings.TrimRight(line, " ")
	if line == "" || strings.Trim(line, "- ") != "" {
		return nil
	}
	var starts []int
	for i := 0; i < len(line); i++ {
		if line[i] == '-' && (i == 0 || line[i-1] == ' ') {
			starts = append(starts, i)
		}
	}
	return starts
}

func cells(line string, starts []int) []string {
	bounds := make([]int, len(starts))
	copy(bounds, starts)
	for k := 1; k < len(bounds); k++ {
		bounds[k] = adjustBound(line, bounds[k], bounds[k-1])
	}
	row := make([]string, len(bounds))
	for k, start := range bounds {
		end := len(line)
		if k+1 < len(bounds) && bounds[k+1] < end {
			end = bounds[k+1]
		}
		if start < end {
			row[k] = strings.TrimSpace(line[start:end])
		}
	}
	return row
}

// adjustBound moves bound left to the start of the word that crosses it,
// but not past floor.
func adjustBound(line string, bound, floor int) int {
	if bound >= len(line) || bound == 0 || line[bound-1] == ' ' || line[bound] == ' ' {
		return bound
	}
	for i := bound - 1; i > floor; i-- {
		if line[i] == ' ' {
			return i + 1
		}
	}
	return bound
}

// Records parses PowerShell Format-List output: "Name : Value" lines in
// blocks separated by blank lines. A line without " : " that follows a
// record continues the previous value.
func Records(output string) []map[string]string {
	var records []map[string]string
	var current map[string]string
	var lastKey string
	for _, line := range Lines(output) {
		if strings.TrimSpace(line) == "" {
			current = nil
			continue
		}
		key, value, ok := KeyValue(line, " :")
		if !ok || key == "" || strings.HasPrefix(line, " ") {
			if current != nil && lastKey != "" {
				current[lastKey] += " " + strings.TrimSpace(line)
			}
			continue
		}
		if current == nil {
			current = make(map[string]string)
			records = append(records, current)
		}
		current[key], lastKey = value, key
	}
	return records
}
