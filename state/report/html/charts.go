package html

import (
	"fmt"
	"html/template"
	"strings"

	"patchbay/state/report/model"
)

// Chart geometry, in SVG user units.
const (
	chartWidth = 720
	barHeight  = 14
	labelWidth = 150
)

// seriesColors are the bar colours of the months and the quarter end,
// chosen to stay apart in greyscale print.
var seriesColors = []string{"#9ecae1", "#4292c6", "#2171b5", "#08306b"}

// coverageChart draws grouped horizontal bars: for the total and each
// site, the three monthly values and the quarter-end value, 0 to 100 %.
func coverageChart(q *model.Quarterly) template.HTML {
	var rows []model.Coverage
	for _, c := range q.Coverage {
		if c.Dimension == "all" || c.Dimension == "site" {
			rows = append(rows, c)
		}
	}
	series := len(q.Months) + 1
	group := series*barHeight + 14
	height := len(rows)*group + 40
	plot := chartWidth - labelWidth - 110 // room for "3/3 (100.0 %)" after a full bar
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="Coverage per month and site">`, chartWidth, height)
	for pct := 0; pct <= 100; pct += 25 {
		x := labelWidth + plot*pct/100
		fmt.Fprintf(&b, `<line x1="%d" y1="0" x2="%d" y2="%d" class="grid"/><text x="%d" y="%d" class="axis">%d %%</text>`,
			x, x, height-30, x, height-16, pct)
	}
	for i, c := range rows {
		y := i*group + 4
		fmt.Fprintf(&b, `<text x="0" y="%d" class="label">%s</text>`, y+series*barHeight/2+4, template.HTMLEscapeString(coverageLabel(c)))
		values := append(append([]model.Ratio(nil), c.Months...), c.QuarterEnd)
		for j, r := range values {
			w := int(float64(plot) * r.Percent() / 100)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, labelWidth, y+j*barHeight, w, barHeight-2, seriesColors[j%len(seriesColors)])
			fmt.Fprintf(&b, `<text x="%d" y="%d" class="value">%s</text>`, labelWidth+w+4, y+j*barHeight+barHeight-4, template.HTMLEscapeString(r.String()))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func coverageLabel(c model.Coverage) string {
	if c.Dimension == "all" {
		return "All sites"
	}
	return "Site " + c.Key
}

// legend returns the names of the coverage chart's series.
func legend(q *model.Quarterly) []legendItem {
	var out []legendItem
	for i, m := range q.Months {
		out = append(out, legendItem{Color: seriesColors[i%len(seriesColors)], Label: m.Month})
	}
	return append(out, legendItem{Color: seriesColors[len(q.Months)%len(seriesColors)], Label: "quarter end"})
}

type legendItem struct{ Color, Label string }

// responseChart draws, per emergency, the hours from declaration and from
// the catalogue date to the last host patched, against the 24 h and 72 h
// targets.
func responseChart(q *model.Quarterly) template.HTML {
	const maxHours = 96.0
	plot := chartWidth - labelWidth - 170 // room for "from catalogue: 95.9 h" after a bar
	group := 2*barHeight + 14
	height := len(q.Emergencies)*group + 40
	xAt := func(h float64) int { return labelWidth + int(float64(plot)*min(h, maxHours)/maxHours) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="Emergency response times against 24 and 72 hours">`, chartWidth, height)
	for _, target := range []float64{24, 72} {
		x := xAt(target)
		fmt.Fprintf(&b, `<line x1="%d" y1="0" x2="%d" y2="%d" class="target"/><text x="%d" y="%d" class="axis">%.0f h</text>`,
			x, x, height-30, x, height-16, target)
	}
	for i, e := range q.Emergencies {
		y := i*group + 4
		fmt.Fprintf(&b, `<text x="0" y="%d" class="label">%s</text>`, y+barHeight+4, template.HTMLEscapeString(e.ID))
		responseBar(&b, y, "declared", &e.FromDeclared, xAt, seriesColors[1])
		responseBar(&b, y+barHeight, "catalogue", e.FromCatalogue, xAt, seriesColors[3])
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func responseBar(b *strings.Builder, y int, from string, t *model.Target, xAt func(float64) int, color string) {
	if t == nil {
		fmt.Fprintf(b, `<text x="%d" y="%d" class="value">from %s: no catalogue date</text>`, labelWidth+4, y+barHeight-4, from)
		return
	}
	text := fmt.Sprintf("from %s: %s h", from, model.FormatHours(t.Hours))
	if t.Hours < 0 {
		// An open response runs past every target, so its bar fills the
		// plot, drawn faint, with the text inside it.
		w := xAt(1e9) - labelWidth
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" class="open"/>`, labelWidth, y, w, barHeight-2, color)
		fmt.Fprintf(b, `<text x="%d" y="%d" class="value">from %s: not every host patched</text>`, labelWidth+4, y+barHeight-4, from)
		return
	}
	w := xAt(t.Hours) - labelWidth
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`, labelWidth, y, w, barHeight-2, color)
	fmt.Fprintf(b, `<text x="%d" y="%d" class="value">%s</text>`, labelWidth+w+4, y+barHeight-4, template.HTMLEscapeString(text))
}
