package parse

import "strings"

// Lines splits output into lines without their line endings. A CRLF or a
// lone CR ending is removed, and a missing final newline is tolerated.
func Lines(output string) []string {
	output = strings.TrimSuffix(output, "\n")
	if output == "" {
		return nil
	}
	lines := strings.Split(output, "\n")
	for i, line := range lines {
		lines[i] = strings.TrimRight(line, "\r")
	}
	return lines
}

// KeyValue splits a "key<sep>value" line at the first sep and trims spaces
// and tabs from both halves. It reports false when sep is missing.
func KeyValue(line, sep string) (key, value string, ok bool) {
	key, value, ok = strings.Cut(line, sep)
	if !ok {
		return "", "", false
	}
	return strings.TrimSpace(key), strings.TrimSpace(value), true
}

// Fields returns the key-value pairs of every line that contains sep, in
// order, keyed by the trimmed key. A later duplicate key replaces an
// earlier one.
func Fields(output, sep string) map[string]string {
	fields := make(map[string]string)
	for _, line := range Lines(output) {
		if key, value, ok := KeyValue(line, sep); ok && key != "" {
			fields[key] = value
		}
	}
	return fields
}

// SplitList splits text at sep, trims spaces from each item and drops
// empty items, as in "a, b,c" or "x;;y".
func SplitList(text, sep string) []string {
	var items []string
	for _, item := range strings.Split(text, sep) {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}
