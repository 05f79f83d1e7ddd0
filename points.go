package deputybot

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Replies that answer what was asked: a deputy's text often asks several
// things. The department may split it into its requests (诉求) — the bot
// proposes a split by numbered points or by sentences, the department
// corrects it — and answer each with a class; a reply that leaves one
// unanswered is confirmed as such, and the card and the deputy's rating
// message show each request with its answer.

// Point is one request of the deputy's text, as the department split it.
type Point struct {
	N    int    `bson:"n"`
	Text string `bson:"text"`
}

// PointAnswer is a reply's answer to request N (no answer: not in the
// reply's list).
type PointAnswer struct {
	N     int        `bson:"n"`
	Class ReplyClass `bson:"class"`
	Text  string     `bson:"text"`
}

// Limits of requests.
const (
	MaxPoints      = 10
	MaxPointLen    = 500
	MaxPointAnswer = 1000
)

// numberedRE finds the start of a numbered point: "1.", "1、", "（1）",
// "(1)", "一、", "①", "第一，"; at the start of the text or of a line, or
// after a sentence's end.
var numberedRE = regexp.MustCompile(`(?m)(?:^|[。；;！？!?：:]\s*|\.\s+)\s*(?:\d{1,2}[.、．)）]|[（(]\d{1,2}[)）]|[一二三四五六七八九十]{1,2}[、是]|[①②③④⑤⑥⑦⑧⑨⑩]|第[一二三四五六七八九十]{1,2}[，,、是])`)

// sentenceRE ends a sentence.
var sentenceRE = regexp.MustCompile(`[^。！？!?]+[。！？!?]*`)

// ProposePoints splits a deputy's text into its requests: by its
// numbered points if it has two or more, else by sentences if it has two
// to MaxPoints; else nil (one request: nothing to split).
func ProposePoints(body string) []string {
	body = strings.TrimSpace(body)
	if locs := numberedRE.FindAllStringIndex(body, -1); len(locs) >= 2 {
		// Where each number begins: a match may begin with the end of
		// the sentence before it, which stays with that sentence.
		starts := make([]int, len(locs))
		for i, loc := range locs {
			st := loc[0]
			for st < loc[1] && strings.ContainsRune("。；;！？!?：:. \t\n", firstRune(body[st:])) {
				st += utf8.RuneLen(firstRune(body[st:]))
			}
			starts[i] = st
		}
		var out []string
		for i, st := range starts {
			end := len(body)
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			if p := strings.TrimSpace(body[st:end]); p != "" {
				out = append(out, p)
			}
		}
		if head := strings.TrimSpace(body[:starts[0]]); head != "" && len(out) > 0 {
			// The text before the first point introduces them: kept
			// with the first.
			out[0] = head + " " + out[0]
		}
		return limitPoints(out)
	}
	var out []string
	for _, s := range sentenceRE.FindAllString(body, -1) {
		if s = strings.TrimSpace(s); utf8.RuneCountInString(s) > 1 {
			out = append(out, s)
		}
	}
	if len(out) < 2 || len(out) > MaxPoints {
		return nil
	}
	return out
}

func limitPoints(ps []string) []string {
	if len(ps) > MaxPoints {
		ps = append(ps[:MaxPoints-1], strings.Join(ps[MaxPoints-1:], " "))
	}
	return ps
}

// CheckPoints checks a split as the department typed or accepted it: two
// to MaxPoints requests, each of at most MaxPointLen characters.
func CheckPoints(ps []string) ([]Point, error) {
	var out []Point
	for _, p := range ps {
		p = CleanText(p)
		if p == "" {
			continue
		}
		if utf8.RuneCountInString(p) > MaxPointLen {
			return nil, Errorf(EINVALID, "err.point_too_long", "N", len(out)+1, "Max", MaxPointLen)
		}
		out = append(out, Point{N: len(out) + 1, Text: p})
	}
	if len(out) < 2 || len(out) > MaxPoints {
		return nil, Errorf(EINVALID, "err.points_count", "Max", MaxPoints)
	}
	return out, nil
}

// Unanswered are the requests a reply's answers leave without an answer.
func Unanswered(points []Point, answers []PointAnswer) []Point {
	var out []Point
	for _, p := range points {
		found := false
		for _, a := range answers {
			found = found || a.N == p.N
		}
		if !found {
			out = append(out, p)
		}
	}
	return out
}

// checkAnswers checks a reply's answers to the requests: each of a
// request there is, once, with a class and a text.
func checkAnswers(points []Point, answers []PointAnswer) error {
	seen := map[int]bool{}
	for _, a := range answers {
		if a.N < 1 || a.N > len(points) || seen[a.N] {
			return Errorf(EINVALID, "err.point_unknown")
		}
		seen[a.N] = true
		if !slices.Contains(ReplyClasses, a.Class) {
			return Errorf(EINVALID, "err.class_unknown")
		}
		if t := CleanText(a.Text); t == "" || utf8.RuneCountInString(t) > MaxPointAnswer {
			return Errorf(EINVALID, "err.point_answer_length", "Max", MaxPointAnswer)
		}
	}
	return nil
}

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
