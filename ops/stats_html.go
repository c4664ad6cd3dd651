package ops

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"time"
)

// The chart's geometry (SVG user units) and colours: one per source shown,
// grey for the other sources.
const (
	chartH   = 220.0
	chartPad = 40.0 // room for the axis labels
	barStep  = 22.0
	minWidth = 640.0
)

var palette = []string{"#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6"}

const otherColour = "#9ca3af"

// bar is one source's share of one day, as an SVG rect.
type bar struct {
	X, Y, W, H float64
	Colour     string
	Title      string // shown on hover by the browser itself (SVG <title>)
}

type tick struct {
	Y     float64
	Label string
}

type xLabel struct {
	X     float64
	Label string
}

type legendEntry struct{ Colour, Label string }

// page is what the HTML template draws.
type page struct {
	Stage      string
	Generated  string
	Stats      Stats
	Total      Day
	Width      float64
	Height     float64
	Bars       []bar
	Ticks      []tick
	XLabels    []xLabel
	Legend     []legendEntry
	Heads      []string // the table's source columns
	Rows       []tableRow
	TotalSplit []int
}

type tableRow struct {
	Day   Day
	Split []int
}

// WriteHTML writes the stats as one self-contained HTML page: inline CSS
// and SVG, no script, no external resource, so that it can be mailed or
// opened from disk. Every text that came from visitors (utm_source) is
// escaped by html/template.
func (s Stats) WriteHTML(w io.Writer, stage string, now time.Time) error {
	p := page{Stage: stage, Generated: now.UTC().Format(time.RFC3339), Stats: s, Total: s.Total(), Height: chartH + chartPad}
	p.Width = math.Max(minWidth, chartPad+float64(len(s.Days))*barStep+10)
	shown, other := s.columns()
	colours := make([]string, 0, len(shown)+1)
	for i, src := range shown {
		colours = append(colours, palette[i%len(palette)])
		p.Legend = append(p.Legend, legendEntry{palette[i%len(palette)], "utm_source=" + src})
		p.Heads = append(p.Heads, src)
	}
	if other {
		colours = append(colours, otherColour)
		p.Legend = append(p.Legend, legendEntry{otherColour, "other sources"})
		p.Heads = append(p.Heads, "other sources")
	}
	peak := 1
	for _, d := range s.Days {
		peak = max(peak, d.SignUps)
	}
	scale := nice(peak)
	for i := 0; i <= 4; i++ {
		v := scale * i / 4
		p.Ticks = append(p.Ticks, tick{Y: chartH - chartH*float64(v)/float64(scale) + 10, Label: fmt.Sprint(v)})
	}
	heads := append(append([]string{}, shown...), "other sources")
	every := max(1, len(s.Days)/12) // about a dozen dates under the axis
	for i, d := range s.Days {
		x := chartPad + float64(i)*barStep
		if i%every == 0 {
			p.XLabels = append(p.XLabels, xLabel{X: x + barStep/2, Label: d.Date[5:]})
		}
		y := chartH + 10
		split := s.Split(d)
		for j, n := range split {
			if n == 0 {
				continue
			}
			h := chartH * float64(n) / float64(scale)
			y -= h
			p.Bars = append(p.Bars, bar{X: x + 3, Y: y, W: barStep - 6, H: h, Colour: colours[j],
				Title: fmt.Sprintf("%s: %d sign-up(s), %s", d.Date, n, heads[j])})
		}
		p.Rows = append(p.Rows, tableRow{Day: d, Split: split})
	}
	p.TotalSplit = s.Split(p.Total)
	return statsPage.Execute(w, p)
}

// nice is the chart's top: the smallest of 4, 8, 20, 40, 80, 200, ... (four
// grid steps of 1, 2 or 5 times a power of ten) that holds n.
func nice(n int) int {
	for step := 1; ; step *= 10 {
		for _, f := range []int{1, 2, 5} {
			if top := 4 * f * step; top >= n {
				return top
			}
		}
	}
}

var statsPage = template.Must(template.New("stats").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign-ups, stage {{.Stage}}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #111827; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
.muted { color: #6b7280; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
.card { border: 1px solid #e5e7eb; border-radius: 6px; padding: .6rem 1rem; min-width: 8rem; }
.card b { display: block; font-size: 1.4rem; }
svg { max-width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: #6b7280; }
.legend { list-style: none; padding: 0; display: flex; gap: 1rem; flex-wrap: wrap; }
.legend span { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
table { border-collapse: collapse; margin-top: 1rem; }
th, td { padding: .2rem .6rem; border-bottom: 1px solid #f3f4f6; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tfoot td { font-weight: 600; border-top: 1px solid #d1d5db; }
</style></head>
<body>
<h1>Sign-ups, stage {{.Stage}}</h1>
<p class="muted">{{len .Stats.Days}} days, {{(index .Stats.Days 0).Date}} to {{.Stats.To.Format "2006-01-02"}} (UTC); counted {{.Generated}}. The brand account is not counted.</p>
<div class="cards">
<div class="card"><b>{{.Total.SignUps}}</b>sign-ups in the window</div>
<div class="card"><b>{{.Total.Unsubscribes}}</b>unsubscribes</div>
<div class="card"><b>{{.Total.Revocations}}</b>revocations</div>
<div class="card"><b>{{.Stats.Users}}</b>users in all, {{.Stats.Subscribed}} subscribed</div>
</div>
<svg viewBox="0 0 {{.Width}} {{.Height}}" width="{{.Width}}" height="{{.Height}}" role="img" aria-label="Sign-ups per day by utm_source">
{{- range .Ticks}}
<line x1="40" x2="{{$.Width}}" y1="{{.Y}}" y2="{{.Y}}" stroke="#e5e7eb"/><text x="34" y="{{.Y}}" text-anchor="end" dominant-baseline="middle">{{.Label}}</text>
{{- end}}
{{- range .Bars}}
<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="{{.Colour}}"><title>{{.Title}}</title></rect>
{{- end}}
{{- range .XLabels}}
<text x="{{.X}}" y="250" text-anchor="middle">{{.Label}}</text>
{{- end}}
</svg>
<ul class="legend">{{range .Legend}}<li><span style="background: {{.Colour}}"></span>{{.Label}}</li>{{end}}</ul>
<table>
<thead><tr><th>day</th><th>sign-ups</th>{{range .Heads}}<th>{{.}}</th>{{end}}<th>unsubscribes</th><th>revocations</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr><td>{{.Day.Date}}</td><td>{{.Day.SignUps}}</td>{{range .Split}}<td>{{.}}</td>{{end}}<td>{{.Day.Unsubscribes}}</td><td>{{.Day.Revocations}}</td></tr>
{{- end}}
</tbody>
<tfoot><tr><td>total</td><td>{{.Total.SignUps}}</td>{{range .TotalSplit}}<td>{{.}}</td>{{end}}<td>{{.Total.Unsubscribes}}</td><td>{{.Total.Revocations}}</td></tr></tfoot>
</table>
</body></html>
`))
