package deputybot

import (
	"strings"
	"testing"
)

// TestRequestsAreProposedAsWritten: numbered points first (the words
// before them kept with the first), else sentences, else nothing.
func TestRequestsAreProposedAsWritten(t *testing.T) {
	for in, want := range map[string][]string{
		"关于公交站的建议：1. 增设候车亭；2. 延长末班车时间；3. 增加夜间照明。":                                  {"关于公交站的建议： 1. 增设候车亭；", "2. 延长末班车时间；", "3. 增加夜间照明。"},
		"一、加装电梯。二、改造管网。":                                                           {"一、加装电梯。", "二、改造管网。"},
		"（1）修路\n（2）补灯":                                                             {"（1）修路", "（2）补灯"},
		"1. Add a shelter. 2. Run the last bus later. 3. Light the stop at night.": {"1. Add a shelter.", "2. Run the last bus later.", "3. Light the stop at night."},
		"老旧小区需要加装电梯。资金由区财政承担。":                                                     {"老旧小区需要加装电梯。", "资金由区财政承担。"},
		"老旧小区需要加装电梯。":                                                              nil,
	} {
		got := ProposePoints(in)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q:\n got %q\nwant %q", in, got, want)
		}
	}
	if _, err := CheckPoints([]string{"only one", " "}); errorKey(err) != "err.points_count" {
		t.Fatalf("one request: %v", err)
	}
	points, _ := CheckPoints([]string{"a", "b", "c"})
	if got := Unanswered(points, []PointAnswer{{N: 1}, {N: 3}}); len(got) != 1 || got[0].N != 2 {
		t.Fatalf("unanswered: %v", got)
	}
}

// TestAReplyLeavingARequestUnansweredIsConfirmed: answers refer to the
// split's requests; one left without an answer needs the department's
// confirmation; the split and the answers are kept.
func TestAReplyLeavingARequestUnansweredIsConfirmed(t *testing.T) {
	e := env()
	lead := actors["lead contact"]
	it, det := fixtures()["in_progress"], &ItemDetails{Body: "1. a 2. b 3. c"}
	in := ReplyInput{Class: ClassA, Text: "done", Points: []string{"a", "b", "c"},
		Answers: []PointAnswer{{N: 1, Class: ClassA, Text: "yes"}, {N: 3, Class: ClassD, Text: "later"}}}
	if _, err := SendReply(it, det, lead, in, e); errorKey(err) != "err.points_unanswered" || len(it.Replies) != 0 {
		t.Fatalf("unconfirmed: %v", err)
	}
	bad := in
	bad.Answers = []PointAnswer{{N: 4, Class: ClassA, Text: "x"}}
	if _, err := SendReply(it, det, lead, bad, e); errorKey(err) != "err.point_unknown" {
		t.Fatalf("an answer to no request: %v", err)
	}
	in.LeaveUnanswered = true
	if _, err := SendReply(it, det, lead, in, e); err != nil {
		t.Fatal(err)
	}
	if len(det.Points) != 3 || len(det.Replies[0].Answers) != 2 || len(Unanswered(det.Points, det.Replies[0].Answers)) != 1 {
		t.Fatalf("kept: %+v %+v", det.Points, det.Replies)
	}
}
