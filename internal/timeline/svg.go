package timeline

import (
	"bytes"
	"fmt"
	"html"
	"strconv"
	"time"
)

// Layout, in SVG user units.
const (
	labelWidth = 300
	chartWidth = 640
	rowHeight  = 22
	barHeight  = 14
	top        = 56 // title and axis
	margin     = 12
)

// Colours (colour-blind safe: blue, orange, vermilion; shading by pattern, not hue alone).
const (
	colourStep         = "#0072B2"
	colourFailed       = "#D55E00"
	colourCompensation = "#E69F00"
	colourCritical     = "#111111"
)

// SVG renders the timeline as a standalone SVG document.
func (t Timeline) SVG() []byte {
	var b bytes.Buffer
	span := t.End.Sub(t.Start)
	if span <= 0 {
		span = time.Second
	}
	x := func(at time.Time) float64 { return labelWidth + float64(at.Sub(t.Start))/float64(span)*chartWidth }
	height := top + len(t.Bars)*rowHeight + 48
	width := labelWidth + chartWidth + 64 // room for the last bar's duration
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", width, height, width, height)
	b.WriteString(`<defs><pattern id="wait" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
		`<rect width="6" height="6" fill="#9ECAE9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#FFFFFF" stroke-width="2"/></pattern></defs>` + "\n")
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#FFFFFF"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", margin, html.EscapeString(t.Title))

	// Axis: ticks at a round interval, at most 8 of them.
	step := tickStep(span)
	for d := time.Duration(0); d <= span; d += step {
		tx := x(t.Start.Add(d))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#DDDDDD"/>`, tx, top-8, tx, top+len(t.Bars)*rowHeight)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#555555">%s</text>`+"\n", tx, top-12, human(d))
	}

	for i, bar := range t.Bars {
		y := top + i*rowHeight
		by := y + (rowHeight-barHeight)/2
		x0, x1 := x(bar.Start), x(bar.End)
		if x1-x0 < 2 {
			x1 = x0 + 2 // an instant still shows
		}
		weight := ""
		if bar.Critical {
			weight = ` font-weight="bold"`
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d"%s>%s</text>`, margin, by+barHeight-3, weight, html.EscapeString(clip(bar.Label, 44)))
		fill := colourStep
		switch bar.Kind {
		case KindFailed:
			fill = colourFailed
		case KindCompensation:
			fill = colourCompensation
		}
		fmt.Fprintf(&b, `<g><title>%s: %s</title>`, html.EscapeString(bar.Label), human(bar.End.Sub(bar.Start)))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>`, x0, by, x1-x0, barHeight, fill)
		if !bar.WaitFrom.IsZero() {
			wx := x(bar.WaitFrom)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="url(#wait)"/>`, wx, by, x1-wx, barHeight)
		}
		if bar.Critical {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="none" stroke="%s" stroke-width="2"/>`, x0, by, x1-x0, barHeight, colourCritical)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" fill="#333333">%s</text></g>`+"\n", x1+4, by+barHeight-3, human(bar.End.Sub(bar.Start)))
	}

	// Legend.
	ly := top + len(t.Bars)*rowHeight + 24
	lx := margin
	for _, l := range []struct{ fill, stroke, text string }{
		{colourStep, "", "step (action)"},
		{"url(#wait)", "", "waiting for AWS"},
		{colourFailed, "", "failed"},
		{colourCompensation, "", "compensation (undo)"},
		{"none", colourCritical, "critical path"},
	} {
		stroke := ""
		if l.stroke != "" {
			stroke = fmt.Sprintf(` stroke="%s" stroke-width="2"`, l.stroke)
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="18" height="12" fill="%s"%s/><text x="%d" y="%d">%s</text>`+"\n", lx, ly, l.fill, stroke, lx+24, ly+10, l.text)
		lx += 40 + 8*len(l.text)
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// tickStep is the round interval that puts at most 8 ticks on span.
func tickStep(span time.Duration) time.Duration {
	for _, s := range []time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second,
		5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
		10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour} {
		if span/s <= 8 {
			return s
		}
	}
	return 2 * time.Hour
}

// human prints a duration for people: 0.4s, 12s, 4m05s, 1h02m.
func human(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d < time.Minute:
		return itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

func itoa(n int) string { return strconv.Itoa(n) }

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
