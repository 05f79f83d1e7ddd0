package deputybot

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// fill sets every field reachable from v to a non-zero value: slices and
// maps get two elements, pointers a value.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), n)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, n)
			fill(e, n)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n)
		v.Set(p)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Unix(int64(*n), 0)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), n)
			}
		}
	}
}

// shared reports a slice, map or pointer that a and b share, by path.
func shared(a, b reflect.Value, path string) []string {
	switch a.Kind() {
	case reflect.Slice:
		var out []string
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			out = append(out, path)
		}
		for i := range a.Len() {
			out = append(out, shared(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	case reflect.Map:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			return []string{path}
		}
		return nil
	case reflect.Pointer:
		if a.IsNil() {
			return nil
		}
		if a.Pointer() == b.Pointer() {
			return []string{path}
		}
		return shared(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		var out []string
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() {
				out = append(out, shared(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)...)
			}
		}
		return out
	}
	return nil
}

func TestClonesShareNothing(t *testing.T) {
	for _, orig := range []any{&Item{}, &Person{}, &Department{}, &ItemDetails{}} {
		n := 0
		fill(reflect.ValueOf(orig).Elem(), &n)
		clone := reflect.ValueOf(orig).MethodByName("Clone").Call(nil)[0]
		if !reflect.DeepEqual(orig, clone.Interface()) {
			t.Errorf("%T: the clone differs from the original", orig)
		}
		if s := shared(reflect.ValueOf(orig), clone, fmt.Sprintf("%T", orig)); len(s) > 0 {
			t.Errorf("the clone shares %v with the original", s)
		}
	}
}
