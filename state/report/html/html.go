// Package html writes a quarterly report as one self-contained HTML page:
// inline styles, charts drawn as inline SVG, no script and no external
// asset, with print styles that start each section on a new page.
package html

import (
	_ "embed"
	"html/template"
	"io"

	"patchbay/state/report/model"
)

//go:embed report.html.tmpl
var pageSource string

var page = template.Must(template.New("report").Parse(pageSource))

// pageData is the template's input.
type pageData struct {
	Q        *model.Quarterly
	Title    string
	Total    model.Coverage
	Coverage template.HTML
	Response template.HTML
	Legend   []legendItem
	Summary  model.Table
	Tables   []model.Table
}

// WriteTables writes a page of tables, such as a run report, with the
// quarterly report's styles.
func WriteTables(w io.Writer, title, intro string, tables []model.Table) error {
	return page.ExecuteTemplate(w, "tables", tablesPage{Title: title, Intro: intro, Tables: tables})
}

// tablesPage is the input of the "tables" template.
type tablesPage struct {
	Title, Intro string
	Tables       []model.Table
}

// Write writes q to w as an HTML page.
func Write(w io.Writer, q *model.Quarterly) error {
	site := "all sites"
	if q.Site != "" {
		site = "site " + q.Site
	}
	data := pageData{
		Q: q, Title: "Quarterly compliance report " + q.Quarter + ", " + site,
		Total: q.Total(), Coverage: coverageChart(q), Response: responseChart(q),
		Legend: legend(q), Summary: q.Tables()[0], Tables: q.Tables()[2:],
	}
	return page.Execute(w, data)
}
