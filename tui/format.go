package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// cell pads or cuts s to exactly width columns.
func cell(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := lipgloss.Width(s)
	if w > width {
		return ansi.Truncate(s, width, "…")
	}
	return s + strings.Repeat(" ", width-w)
}

// row joins cells cut to their widths with one space between them.
func row(widths []int, cells ...string) string {
	parts := make([]string, 0, len(cells))
	for i, c := range cells {
		if i < len(widths) && widths[i] > 0 {
			parts = append(parts, cell(c, widths[i]))
		}
	}
	return strings.TrimRight(strings.Join(parts, " "), " ")
}

// fit cuts or pads every line of s to width and the number of lines to
// height, so that panes line up side by side.
func fit(s string, width, height int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = cell(l, width)
	}
	return strings.Join(lines, "\n")
}

// bar draws a progress bar of width cells filled to frac (0 to 1). It
// uses block characters, so it reads without colour.
func bar(width int, frac float64) string {
	if width <= 0 {
		return ""
	}
	frac = min(max(frac, 0), 1)
	filled := int(frac*float64(width) + 0.5)
	return strings.Repeat("█", filled) + strings.Repeat("░", width-filled)
}

// span formats a duration for a person: "45 s", "12 m", "3 h 20 m",
// "2 d 4 h".
func span(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d m", int(d.Minutes()))
	case d < 48*time.Hour:
		h := int(d.Hours())
		if m := int(d.Minutes()) % 60; m != 0 {
			return fmt.Sprintf("%d h %d m", h, m)
		}
		return fmt.Sprintf("%d h", h)
	}
	days := int(d.Hours()) / 24
	if h := int(d.Hours()) % 24; h != 0 {
		return fmt.Sprintf("%d d %d h", days, h)
	}
	return fmt.Sprintf("%d d", days)
}

// hostCount returns "1 host" or "N hosts".
func hostCount(n int) string {
	if n == 1 {
		return "1 host"
	}
	return fmt.Sprintf("%d hosts", n)
}

// scrollStart returns the first visible index of a list of n items shown
// in height rows, keeping selected in view.
func scrollStart(selected, n, height int) int {
	if height <= 0 || n <= height {
		return 0
	}
	start := selected - height/2
	return min(max(start, 0), n-height)
}
