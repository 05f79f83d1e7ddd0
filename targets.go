package deputybot

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Target is a measurable target of a motion (“到“十四五”末，完成改造老旧
// 小区302个，其中2021年底新开工54个”): its goal and how far it has come.
//
// A target without a number ("建立长效管理机制") is qualitative: done or
// not done, kept as a goal of 1.
type Target struct {
	N           int    `bson:"n"` // 1, 2, ...
	Name        string `bson:"name"`
	Unit        string `bson:"unit,omitempty"` // what is counted: 个, flats
	Goal        int    `bson:"goal"`
	Done        int    `bson:"done"`
	Qualitative bool   `bson:"qualitative,omitempty"`
}

// Met reports whether the target is reached.
func (t Target) Met() bool { return t.Done >= t.Goal }

// TargetProblem is what is wrong with a line of typed targets (line 0:
// the whole).
type TargetProblem struct {
	Line int
	Err  *Error
}

// Limits of targets.
const (
	MaxTargets       = 10
	MaxTargetNameLen = 100
	MaxTargetValue   = 1_000_000_000
)

// Actions on targets.
const (
	ActSetTargets     Action = "set_targets"
	ActTargetProgress Action = "target_progress"
)

// Event types of targets.
const (
	EvTargetsSet     = "targets_set"
	EvTargetProgress = "target_progress"
	EvTargetMet      = "target_met" // a qualitative target: done, or not after all
)

var lastNumber = regexp.MustCompile(`(\d[\d,]*)\D*$`)

// ParseTargets reads targets, one per line: a description with the goal as
// its last number, e.g. "完成改造老旧小区 302 个" or "Renovate 302
// compounds"; a line whose last number is not followed by a short unit
// ("建立长效管理机制", "建立24小时值班制度") is a qualitative target. It
// returns the problems by line; targets with problems must not be used.
func ParseTargets(text string) ([]Target, []TargetProblem) {
	var out []Target
	var problems []TargetProblem
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) > MaxTargetNameLen+20 {
			problems = append(problems, TargetProblem{i + 1, Errorf(EINVALID, "err.target_name", "Max", MaxTargetNameLen)})
			continue
		}
		m := lastNumber.FindStringSubmatchIndex(line)
		var name, unit string
		goal := 0
		if m != nil {
			name, unit = strings.TrimSpace(line[:m[2]]), strings.TrimSpace(line[m[3]:])
			n, err := strconv.Atoi(strings.ReplaceAll(line[m[2]:m[3]], ",", ""))
			if err != nil {
				n = -1
			}
			goal = n
			if name == "" {
				name, unit = unit, ""
			}
		}
		if m == nil || !shortUnit(unit) {
			// Qualitative: done or not.
			name, unit, goal = line, "", 1
			if utf8.RuneCountInString(name) > MaxTargetNameLen {
				problems = append(problems, TargetProblem{i + 1, Errorf(EINVALID, "err.target_name", "Max", MaxTargetNameLen)})
				continue
			}
			out = append(out, Target{N: len(out) + 1, Name: name, Goal: 1, Qualitative: true})
			continue
		}
		switch {
		case goal <= 0 || goal > MaxTargetValue:
			problems = append(problems, TargetProblem{i + 1, Errorf(EINVALID, "err.target_goal")})
		case name == "" || utf8.RuneCountInString(name) > MaxTargetNameLen:
			problems = append(problems, TargetProblem{i + 1, Errorf(EINVALID, "err.target_name", "Max", MaxTargetNameLen)})
		default:
			out = append(out, Target{N: len(out) + 1, Name: name, Unit: unit, Goal: goal})
		}
	}
	if len(out) > MaxTargets {
		problems = append(problems, TargetProblem{0, Errorf(EINVALID, "err.targets_count", "Max", MaxTargets)})
	}
	return out, problems
}

// shortUnit tells what follows a goal's number: a unit ("个", "户",
// "compounds", "km of road") rather than the rest of a sentence.
func shortUnit(u string) bool {
	n := utf8.RuneCountInString(u)
	han := 0
	for _, r := range u {
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	return han == 0 && n <= 20 || han > 0 && n <= 3
}

// SetTargets sets (or replaces) a motion's targets; the office does it
// when assigning, and may correct them while the motion is handled.
func SetTargets(it *Item, p *Person, ts []Target, e Env) (Event, error) {
	if err := Check(p, it, ActSetTargets); err != nil {
		return Event{}, err
	}
	if len(ts) == 0 || len(ts) > MaxTargets {
		return Event{}, Errorf(EINVALID, "err.targets_count", "Max", MaxTargets)
	}
	for i := range ts {
		ts[i].N = i + 1
		if old := it.Target(i + 1); old != nil && old.Name == ts[i].Name {
			ts[i].Done = old.Done
		}
	}
	it.Targets = ts
	return ev(e, p, EvTargetsSet, "count", strconv.Itoa(len(ts))), nil
}

// Target returns target n, or nil.
func (it *Item) Target(n int) *Target {
	for i := range it.Targets {
		if it.Targets[i].N == n {
			return &it.Targets[i]
		}
	}
	return nil
}

// UpdateTarget records how far the lead department has come on target n.
func UpdateTarget(it *Item, p *Person, n, done int, e Env) (Event, error) {
	if err := Check(p, it, ActTargetProgress); err != nil {
		return Event{}, err
	}
	t := it.Target(n)
	if t == nil {
		return Event{}, Errorf(ENOTFOUND, "err.target_not_found")
	}
	if done < 0 || done > MaxTargetValue || t.Qualitative && done > 1 {
		return Event{}, Errorf(EINVALID, "err.target_value")
	}
	if done == t.Done {
		return Event{}, Errorf(ECONFLICT, "err.target_same")
	}
	old := t.Done
	t.Done = done
	if t.Qualitative {
		return ev(e, p, EvTargetMet, "n", strconv.Itoa(n), "name", t.Name, "met", strconv.FormatBool(t.Met())), nil
	}
	return ev(e, p, EvTargetProgress, "n", strconv.Itoa(n), "name", t.Name, "from", strconv.Itoa(old),
		"to", strconv.Itoa(done), "goal", strconv.Itoa(t.Goal)), nil
}
