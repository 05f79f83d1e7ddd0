package report

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The departments' chart as a picture, for the weekly digest (a chat
// shows a photo, not an SVG). It draws no words: only numbers, in a
// font that ships with the binary; each department is its number in the
// digest's table, and the picture's caption names the colours and the
// departments, in the reader's language.

// Colours of the three measures, as the caption's squares name them
// (🟦 🟩 🟥).
var (
	colOnTime  = color.RGBA{0x1f, 0x6f, 0xeb, 0xff}
	colSat     = color.RGBA{0x2d, 0xa4, 0x4e, 0xff}
	colOverdue = color.RGBA{0xcf, 0x22, 0x2e, 0xff}
	colTrack   = color.RGBA{0xee, 0xec, 0xeb, 0xff}
	colInk     = color.RGBA{0x1d, 0x1d, 0x1f, 0xff}
)

// MaxChartDepts bounds the departments one picture draws (the caption
// must name them within Telegram's 1,024 characters).
const MaxChartDepts = 40

var (
	faceOnce sync.Once
	face     font.Face
	faceErr  error
)

func numberFace() (font.Face, error) {
	faceOnce.Do(func() {
		var f *opentype.Font
		if f, faceErr = opentype.Parse(goregular.TTF); faceErr == nil {
			face, faceErr = opentype.NewFace(f, &opentype.FaceOptions{Size: 14, DPI: 72, Hinting: font.HintingFull})
		}
	})
	return face, faceErr
}

// DeptChartPNG draws, for each department in order (at most
// MaxChartDepts), its number and three bars: on-time reply rate and
// satisfaction (of 100%), and items overdue now (of the most any has),
// each with its value; a rate with nothing to divide is "–".
func DeptChartPNG(stats []*DeptStats) ([]byte, error) {
	f, err := numberFace()
	if err != nil {
		return nil, err
	}
	if len(stats) > MaxChartDepts {
		stats = stats[:MaxChartDepts]
	}
	const (
		width  = 800
		labelW = 56
		barW   = 600
		barH   = 14
		gap    = 4
		rowH   = 3*(barH+gap) + 14
		top    = 12
	)
	height := top + rowH*max(1, len(stats)) + 6
	// A few colours (and greys for the numbers' edges): quick to encode
	// and small to send.
	pal := color.Palette{color.White, colTrack, colOnTime, colSat, colOverdue}
	for i := 0; i < 8; i++ {
		v := uint8(0x1d + (0xff-0x1d)*i/8)
		pal = append(pal, color.RGBA{v, v, v, 0xff})
	}
	img := image.NewPaletted(image.Rect(0, 0, width, height), pal)
	fill := func(r image.Rectangle, c color.Color) {
		idx := uint8(pal.Index(c))
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
			for i := range row {
				row[i] = idx
			}
		}
	}
	maxOverdue := 0
	for _, d := range stats {
		maxOverdue = max(maxOverdue, d.OverdueNow)
	}
	text := func(s string, x, y int) {
		(&font.Drawer{Dst: img, Src: image.NewUniform(colInk), Face: f, Dot: fixed.P(x, y)}).DrawString(s)
	}
	bar := func(y int, share float64, c color.Color, value string) {
		fill(image.Rect(labelW, y, labelW+barW-70, y+barH), colTrack)
		if w := int(float64(barW-70)*min(max(share, 0), 1) + 0.5); w > 0 {
			fill(image.Rect(labelW, y, labelW+w, y+barH), c)
		}
		text(value, labelW+barW-62, y+barH-1)
	}
	rate := func(r string) (float64, string) {
		if r == NoRate {
			return 0, "–"
		}
		v, _ := strconv.ParseFloat(r, 64)
		return v / 100, r + "%"
	}
	for i, d := range stats {
		y := top + i*rowH
		text(strconv.Itoa(i+1), 8, y+2*barH+gap)
		s, v := rate(d.Year.OnTimeRate())
		bar(y, s, colOnTime, v)
		s, v = rate(d.Year.Outcomes.SatisfactionRate())
		bar(y+barH+gap, s, colSat, v)
		share := 0.0
		if maxOverdue > 0 {
			share = float64(d.OverdueNow) / float64(maxOverdue)
		}
		bar(y+2*(barH+gap), share, colOverdue, strconv.Itoa(d.OverdueNow))
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
