package report

import (
	"bytes"
	_ "embed"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"deputybot"
	"deputybot/texts"
)

// The departments' chart as a picture, for the weekly digest (a chat
// shows a photo, not an SVG). It stands alone: its title names the
// district and the week, each row the department, a legend the colours;
// the two rates share one scale (0–100%) and the overdue items have their
// own (items), each with its axis. Words are drawn in a subset of Noto
// Sans CJK SC that ships with the binary (fonts/: ASCII and GB 2312,
// 1.5 MB); a department whose name has a character outside it is drawn
// by its number, and named in the caption.

//go:embed fonts/NotoSansSC-GB2312.otf
var cjkFont []byte

// Colours of the three measures.
var (
	colOnTime  = color.RGBA{0x1f, 0x6f, 0xeb, 0xff}
	colSat     = color.RGBA{0x2d, 0xa4, 0x4e, 0xff}
	colOverdue = color.RGBA{0xcf, 0x22, 0x2e, 0xff}
	colTrack   = color.RGBA{0xf2, 0xf1, 0xf0, 0xff}
	colGrid    = color.RGBA{0xc8, 0xc6, 0xc4, 0xff}
	colInk     = color.RGBA{0x1d, 0x1d, 0x1f, 0xff}
)

// MaxChartDepts bounds the departments one picture draws (the rest are
// in the digest's text).
const MaxChartDepts = 40

var (
	fontOnce sync.Once
	fontErr  error
	faces    map[float64]font.Face
)

// chartFaces are the picture's type sizes, in pixels.
const (
	sizeTitle = 24
	sizeText  = 16
	sizeSmall = 13
)

func chartFace(size float64) (font.Face, error) {
	fontOnce.Do(func() {
		var f *opentype.Font
		if f, fontErr = opentype.Parse(cjkFont); fontErr != nil {
			return
		}
		faces = map[float64]font.Face{}
		for _, s := range []float64{sizeTitle, sizeText, sizeSmall} {
			var fc font.Face
			if fc, fontErr = opentype.NewFace(f, &opentype.FaceOptions{Size: s, DPI: 72, Hinting: font.HintingFull}); fontErr != nil {
				return
			}
			faces[s] = fc
		}
	})
	return faces[size], fontErr
}

// Drawable says whether every character of s is in the picture's font.
func Drawable(s string) bool {
	f, err := chartFace(sizeText)
	if err != nil {
		return false
	}
	for _, r := range s {
		if _, ok := f.GlyphAdvance(r); !ok {
			return false
		}
	}
	return true
}

// Picture is the departments' picture and what it says, for its caption
// and for a reader who cannot see it.
type Picture struct {
	PNG   []byte
	Title string // the picture's title line ("武昌区 议案建议办理周报 …")
	// Numbered: the departments drawn by their number (N of the digest's
	// table), their names being outside the font, by number.
	Numbered map[int]string
	// Left: departments beyond MaxChartDepts, not drawn.
	Left int
	// Labels are the words drawn, each with the box it was drawn in.
	Labels []Drawn
	// Bars are the bars drawn, each with its value.
	Bars []DrawnBar
}

// Drawn is a run of words drawn in the picture.
type Drawn struct {
	Text string
	Box  image.Rectangle
}

// DrawnBar is one bar of the picture: its department (from 1), what it
// measures ("ontime", "sat", "overdue"), its box and the full length of
// its scale in pixels.
type DrawnBar struct {
	Dept    int
	Measure string
	Box     image.Rectangle
	Scale   int
	Value   string
}

// DigestChartPNG draws the departments of the digest (at most
// MaxChartDepts, numbered from 1 as in the digest's table): for each,
// its name, its on-time reply rate and satisfaction rate on one scale of
// 0–100%, and its items overdue now on a scale of items.
func DigestChartPNG(tx *texts.Texts, l deputybot.Language, d *Digest, stats []*DeptStats) (*Picture, error) {
	title, err := chartFace(sizeTitle)
	if err != nil {
		return nil, err
	}
	text, _ := chartFace(sizeText)
	small, _ := chartFace(sizeSmall)
	t := func(id string, args ...any) string { return texts.Plain(tx.T(l, id, args...)) }
	c := &Picture{Numbered: map[int]string{}}
	if len(stats) > MaxChartDepts {
		c.Left = len(stats) - MaxChartDepts
		stats = stats[:MaxChartDepts]
	}
	const (
		width   = 960
		margin  = 24
		nameW   = 190 // the department's name, up to two lines
		rateW   = 380 // 0–100%
		valueW  = 74  // the value after a bar
		countW  = 150 // 0–the scale's top, in items
		barH    = 13
		barGap  = 3
		rowH    = 2*barH + barGap + 16
		headerH = 112 // title, subtitle, legend
		axisH   = 54  // the scales' names and ticks
	)
	rateX := margin + nameW
	countX := rateX + rateW + valueW + 24
	top := headerH + axisH
	// Under the rows, what the rates divide (the figures' own notes),
	// what "–" means, and how many departments are left out.
	noRate := false
	for _, s := range stats {
		noRate = noRate || s.Year.OnTimeRate() == NoRate || s.Year.Outcomes.SatisfactionRate() == NoRate
	}
	foot := texts.Plain(Notes(tx, l, FigOnTimeRate, FigSatisfactionRate))
	if noRate {
		foot += t("digest.chart_norate")
	}
	if c.Left > 0 {
		foot += t("digest.chart_left", "Count", c.Left)
	}
	footLines := fitLines(small, foot, width-2*margin, 6)
	height := top + rowH*max(1, len(stats)) + 8 + len(footLines)*(sizeSmall+5) + margin/2

	pal := color.Palette{color.White, colTrack, colGrid, colOnTime, colSat, colOverdue}
	greys := uint8(len(pal)) // then twelve greys, from the ink to nearly white
	for i := 0; i < 12; i++ {
		v := uint8(0x1d + (0xf0-0x1d)*i/11)
		pal = append(pal, color.RGBA{v, v, v, 0xff})
	}
	img := image.NewPaletted(image.Rect(0, 0, width, height), pal)
	fill := func(r image.Rectangle, col color.Color) {
		idx := uint8(pal.Index(col))
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
			for i := range row {
				row[i] = idx
			}
		}
	}
	// draw writes s with its left end at x (or its right end, if right)
	// and its baseline at y, and notes it.
	draw := func(f font.Face, s string, x, y int, right bool) int {
		w := font.MeasureString(f, s).Ceil()
		if right {
			x -= w
		}
		inkText(img, f, s, x, y, greys)
		m := f.Metrics()
		c.Labels = append(c.Labels, Drawn{Text: s, Box: image.Rect(x, y-m.Ascent.Ceil(), x+w, y+m.Descent.Ceil())})
		return w
	}

	// The title: the district and the week; under it what is drawn.
	loc := tx.Location()
	year, week := d.WeekStart.In(loc).ISOWeek()
	c.Title = strings.TrimSpace(t("digest.chart_title", "District", district(d.Env.Rules.ReportingBody), "Year", year, "Week", week,
		"From", shortDate(l, d.WeekStart.In(loc)), "To", shortDate(l, d.Now.In(loc))))
	draw(title, c.Title, margin, margin+sizeTitle, false)
	draw(small, t("digest.chart_subtitle", "Year", d.Year, "Date", LongDate(l, deputybot.DateOf(d.Now, loc))), margin, margin+sizeTitle+24, false)
	// The legend: a square of each colour and its measure.
	x, ly := margin, margin+sizeTitle+56
	for _, m := range []struct {
		col  color.Color
		text string
	}{{colOnTime, Label(tx, l, FigOnTimeRate)}, {colSat, Label(tx, l, FigSatisfactionRate)},
		{colOverdue, t("digest.legend_count", "Figure", texts.HTML(Label(tx, l, FigOverdueNow)))}} {
		fill(image.Rect(x, ly-12, x+14, ly+2), m.col)
		x += 20 + draw(text, texts.Plain(m.text), x+20, ly, false) + 24
	}

	// The scales: 0–100% for both rates, 0–top items for the overdue.
	most := 0
	for _, s := range stats {
		most = max(most, s.OverdueNow)
	}
	scaleTop := niceTop(most)
	ay := headerH + 16
	draw(small, t("digest.scale_rate", "A", texts.HTML(Label(tx, l, FigOnTimeRate)), "B", texts.HTML(Label(tx, l, FigSatisfactionRate))), rateX, ay, false)
	draw(small, t("digest.legend_count", "Figure", texts.HTML(Label(tx, l, FigOverdueNow))), countX, ay, false)
	gridTop, gridBottom := top-8, top+rowH*max(1, len(stats))-8
	for _, p := range []int{0, 25, 50, 75, 100} {
		gx := rateX + rateW*p/100
		fill(image.Rect(gx, gridTop, gx+1, gridBottom), colGrid)
		label := strconv.Itoa(p)
		if p == 100 {
			label += "%"
		}
		w := font.MeasureString(small, label).Ceil()
		draw(small, label, gx-w/2, top-12, false)
	}
	step := max(1, scaleTop/5)
	for v := 0; v <= scaleTop; v += step {
		gx := countX + countW*v/scaleTop
		fill(image.Rect(gx, gridTop, gx+1, gridBottom), colGrid)
		label := strconv.Itoa(v)
		w := font.MeasureString(small, label).Ceil()
		draw(small, label, gx-w/2, top-12, false)
	}

	bar := func(dept int, measure string, x0, y, scale int, share float64, col color.Color, value string) {
		fill(image.Rect(x0, y, x0+scale, y+barH), colTrack)
		w := int(float64(scale)*min(max(share, 0), 1) + 0.5)
		box := image.Rect(x0, y, x0+w, y+barH)
		if w > 0 {
			fill(box, col)
		}
		c.Bars = append(c.Bars, DrawnBar{Dept: dept, Measure: measure, Box: box, Scale: scale, Value: value})
		draw(small, value, x0+scale+6, y+barH-1, false)
	}
	rate := func(r string) (float64, string) {
		if r == NoRate {
			return 0, "–"
		}
		v, _ := strconv.ParseFloat(r, 64)
		return v / 100, r + "%"
	}
	for i, s := range stats {
		n := i + 1
		y := top + i*rowH
		name := s.Dept.Name
		if !Drawable(name) {
			c.Numbered[n] = name
			name = t("digest.chart_dept_number", "N", n)
		}
		lines := fitLines(text, strconv.Itoa(n)+". "+name, nameW-10, 2)
		for k, ln := range lines {
			draw(text, ln, margin, y+sizeText+k*(sizeText+3)-2*(len(lines)-1), false)
		}
		sv, v := rate(s.Year.OnTimeRate())
		bar(n, "ontime", rateX, y, rateW, sv, colOnTime, v)
		sv, v = rate(s.Year.Outcomes.SatisfactionRate())
		bar(n, "sat", rateX, y+barH+barGap, rateW, sv, colSat, v)
		bar(n, "overdue", countX, y+(barH+barGap)/2, countW, float64(s.OverdueNow)/float64(scaleTop), colOverdue, strconv.Itoa(s.OverdueNow))
	}
	if len(stats) == 0 {
		draw(text, t("digest.no_data"), rateX, top+sizeText, false)
	}
	fy := top + rowH*max(1, len(stats)) + 8
	for k, ln := range footLines {
		draw(small, ln, margin, fy+sizeSmall+k*(sizeSmall+5), false)
	}

	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, err
	}
	c.PNG = buf.Bytes()
	return c, nil
}

// inkText draws s in ink with its baseline's left end at (x, y) on a
// picture whose palette holds, from index greys, twelve greys from the ink
// to nearly white. Each pixel of a glyph takes the grey of its coverage
// over a white ground (every word here stands on white), looked up rather
// than matched against the palette: image/draw's general path, which
// matches every pixel, took most of the picture's time.
func inkText(img *image.Paletted, f font.Face, s string, x, y int, greys uint8) {
	dot := fixed.P(x, y)
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			dot.X += f.Kern(prev, r)
		}
		dr, mask, maskp, advance, ok := f.Glyph(dot, r)
		if !ok {
			continue
		}
		dr = dr.Intersect(img.Bounds())
		for py := dr.Min.Y; py < dr.Max.Y; py++ {
			for px := dr.Min.X; px < dr.Max.X; px++ {
				var cov uint32
				if a, ok := mask.(*image.Alpha); ok {
					cov = uint32(a.Pix[a.PixOffset(maskp.X+px-dr.Min.X, maskp.Y+py-dr.Min.Y)])
				} else {
					_, _, _, al := mask.At(maskp.X+px-dr.Min.X, maskp.Y+py-dr.Min.Y).RGBA()
					cov = al >> 8
				}
				if cov < 16 {
					continue
				}
				// Full coverage is the first grey (the ink), faint
				// coverage the last (nearly white); a darker pixel
				// already there (an overlapping glyph) stays.
				idx := greys + uint8((255-cov)*11/255)
				if i := img.PixOffset(px, py); img.Pix[i] < greys || img.Pix[i] > idx {
					img.Pix[i] = idx
				}
			}
		}
		dot.X += advance
		prev = r
	}
}

// niceTop is the top of a scale of items that holds most: at least 5, a
// multiple of 5 (of 10 past 50).
func niceTop(most int) int {
	switch {
	case most <= 5:
		return 5
	case most <= 50:
		return (most + 4) / 5 * 5
	}
	return (most + 9) / 10 * 10
}

// fitLines breaks s into at most n lines no wider than w, the last one
// cut with "…" if s is longer. Latin words are not broken, and an opening
// bracket does not end a line.
func fitLines(f font.Face, s string, w, n int) []string {
	var lines []string
	rs := []rune(s)
	ell, _ := f.GlyphAdvance('…')
	for len(rs) > 0 && len(lines) < n {
		// The longest start of rs that fits, measured once a rune.
		k, width := 0, fixed.Int26_6(0)
		for k < len(rs) {
			adv, _ := f.GlyphAdvance(rs[k])
			if k > 0 && (width+adv).Ceil() > w {
				break
			}
			width += adv
			k++
		}
		if len(lines) == n-1 && k < len(rs) {
			for k > 1 && (width+ell).Ceil() > w {
				k--
				adv, _ := f.GlyphAdvance(rs[k])
				width -= adv
			}
			lines = append(lines, string(rs[:k])+"…")
			return lines
		}
		if k < len(rs) {
			if latin(rs[k]) && latin(rs[k-1]) {
				for j := k - 1; j > 0; j-- {
					if rs[j] == ' ' {
						k = j + 1
						break
					}
				}
			}
			for k > 1 && strings.ContainsRune("（《“‘(【「", rs[k-1]) {
				k--
			}
		}
		lines = append(lines, strings.TrimRight(string(rs[:k]), " "))
		rs = rs[k:]
	}
	return lines
}

// latin says whether r is part of a Latin word (a letter or digit that
// is not CJK).
func latin(r rune) bool {
	return r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '.' || r == ',' || r == ')')
}

// district is the district a reporting body governs: "武昌区人民政府" →
// "武昌区"; any other name as it is.
func district(body string) string {
	for _, s := range []string{"人民政府办公室", "人民政府", "政府"} {
		if b, ok := strings.CutSuffix(body, s); ok && b != "" {
			return b
		}
	}
	return body
}

// shortDate is a day of the week's span: "11月23日", "23 Nov".
func shortDate(l deputybot.Language, t time.Time) string {
	if l == deputybot.LangEN {
		return t.Format("2 Jan")
	}
	return strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
}
