package texts

import (
	"deputybot"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// flatten lists the messages of m by id; a message with plural forms
// as its forms joined, or left out unless plurals.
func flatten(prefix string, m map[string]any, out map[string]string, plurals bool) {
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch x := v.(type) {
		case map[string]any:
			if forms := pluralForms(x); forms != "" {
				if plurals {
					out[key] = forms
				}
				continue
			}
			flatten(key, x, out, plurals)
		case string:
			out[key] = x
		}
	}
}

// pluralForms joins the forms of a message with plural forms (a table of
// only one, other, ...); "" if m is not one.
func pluralForms(m map[string]any) string {
	var forms []string
	for k, v := range m {
		text, ok := v.(string)
		if !ok || !slices.Contains([]string{"zero", "one", "two", "few", "many", "other"}, k) {
			return ""
		}
		forms = append(forms, text)
	}
	slices.Sort(forms)
	return strings.Join(forms, "\n")
}

func messages(t *testing.T, lang string) map[string]string {
	var raw map[string]any
	if _, err := toml.DecodeFS(localeFiles, "locales/active."+lang+".toml", &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	flatten("", raw, out, true)
	return out
}

var argRE = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

// TestEveryMessageInBothLanguages: the two message files have the same
// ids, and each message uses the same arguments in both.
func TestEveryMessageInBothLanguages(t *testing.T) {
	zh, en := messages(t, "zh"), messages(t, "en")
	for id, zt := range zh {
		et, ok := en[id]
		if !ok {
			t.Errorf("%s: no English text", id)
			continue
		}
		za, ea := args(zt), args(et)
		if !slices.Equal(za, ea) {
			t.Errorf("%s: arguments differ: zh %v, en %v", id, za, ea)
		}
	}
	for id := range en {
		if _, ok := zh[id]; !ok {
			t.Errorf("%s: no Chinese text", id)
		}
	}
}

func args(s string) []string {
	var out []string
	for _, m := range argRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestEveryMessageIDInCodeExists finds the message ids written as string
// literals in calls of T (texts.T) and Errorf in the module's code and
// checks that each has a text. (Ids built at run time, like "cmd."+name,
// are checked by the tests that render them.)
func TestEveryMessageIDInCodeExists(t *testing.T) {
	zh := messages(t, "zh")
	fset := token.NewFileSet()
	found := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != ".." && (d.Name() == "internal" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			var name string
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			case *ast.Ident:
				name = fn.Name
			}
			if name != "T" && name != "Errorf" {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			if name == "Errorf" && !strings.Contains(s, ".") || strings.Contains(s, "%") {
				return true // fmt.Errorf
			}
			found++
			if _, ok := zh[s]; !ok {
				t.Errorf("%s: message %q has no text", fset.Position(lit.Pos()), s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 50 {
		t.Fatalf("only %d message ids found in the code: the scan is broken", found)
	}
}

// TestCallsPassEveryArgument checks each T call with a literal message id
// passes every argument the message uses (a missing one renders as
// "<no value>").
func TestCallsPassEveryArgument(t *testing.T) {
	zh := messages(t, "zh")
	fset := token.NewFileSet()
	checked := 0
	var files []string
	_ = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && path != ".." && (d.Name() == "internal" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return nil
	})
	for _, path := range files {
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 || call.Ellipsis.IsValid() {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "T" {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok {
				return true
			}
			id, _ := strconv.Unquote(lit.Value)
			passed := map[string]bool{}
			for i := 2; i < len(call.Args); i += 2 {
				if nl, ok := call.Args[i].(*ast.BasicLit); ok {
					name, _ := strconv.Unquote(nl.Value)
					passed[name] = true
				}
			}
			checked++
			for _, a := range args(zh[id]) {
				if !passed[a] {
					t.Errorf("%s: %q used without its argument %s", fset.Position(lit.Pos()), id, a)
				}
			}
			return true
		})
	}
	if checked < 100 {
		t.Fatalf("only %d calls checked", checked)
	}
}

// TestChineseTakesNoSpacesAroundArguments: a Chinese sentence has no
// space between a Chinese character (or Chinese punctuation) and an
// argument or a number: "已交{{.Dept}}办理", not "已交 {{.Dept}} 办理".
// Commands and @names keep their spaces: Telegram recognises them only
// between spaces.
func TestChineseTakesNoSpacesAroundArguments(t *testing.T) {
	han := `[\p{Han}\x{3000}-\x{303f}\x{ff00}-\x{ffef}\x{2018}-\x{201f}]`
	spaced := regexp.MustCompile(han + `[ \t]+({{|[0-9])|(}}|[0-9])[ \t]+` + han)
	// What a person types is shown as typed (<code>…</code>), and a
	// number is written "建议 2026-017", as /view takes it.
	exempt := regexp.MustCompile(`<code>.*?</code>|[ \t]*(@?{{\.(Command|Bot)}}|(^|[^<])/[a-z_]+)[ \t]*|(建议|议案) [0-9]`)
	tags := regexp.MustCompile(`</?[bisu]>`)
	for id, text := range messages(t, "zh") {
		text = tags.ReplaceAllString(exempt.ReplaceAllString(text, " x "), "")
		if m := spaced.FindString(text); m != "" {
			t.Errorf("%s: a space between Chinese and an argument: %q in %q", id, m, text)
		}
	}
}

// TestEnglishCountsTakePluralForms: an English message in which a count
// comes before a word has plural forms ("1 day", "2 days"), and none
// writes "(s)".
func TestEnglishCountsTakePluralForms(t *testing.T) {
	var raw map[string]any
	if _, err := toml.DecodeFS(localeFiles, "locales/active.en.toml", &raw); err != nil {
		t.Fatal(err)
	}
	plain := map[string]string{}
	flatten("", raw, plain, false)
	counted := regexp.MustCompile(`{{\.(Count|Days)}} [a-z]+( [a-z]+)?`)
	invariable := regexp.MustCompile(` (closed|chosen|so far|in all|more)$`)
	for id, text := range plain {
		if m := counted.FindString(text); m != "" && !invariable.MatchString(m) {
			t.Errorf("%s: a count before a word, without plural forms: %q", id, text)
		}
		if strings.Contains(text, "(s)") {
			t.Errorf("%s: writes (s): %q", id, text)
		}
	}
	tx, err := Load(time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	for n, want := range map[int]string{1: "1 day left", 2: "2 days left", 0: "0 days left"} {
		if got := tx.T(deputybot.LangEN, "deadline.left", "Days", n, "Date", "2026-03-02"); !strings.HasPrefix(got, want) {
			t.Errorf("%d: %q", n, got)
		}
	}
	if got := tx.T(deputybot.LangZH, "deadline.left", "Days", 1, "Date", "2026-03-02"); !strings.HasPrefix(got, "剩1天") {
		t.Errorf("zh: %q", got)
	}
}
