package config

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"testing"
	"time"
)

// TestVariablesAreWhatLoadReads: the table --help prints names exactly
// the variables Load asks for, and the README's table the same.
func TestVariablesAreWhatLoadReads(t *testing.T) {
	asked := map[string]bool{}
	// Set: Load reads every variable only when the webhook is on.
	set := map[string]string{"TELEGRAM_BOT_TOKEN": goodToken, "WEBHOOK_URL": "https://bot.example.org/tg", "WEBHOOK_SECRET": "s"}
	if _, err := Load(func(k string) (string, bool) { asked[k] = true; v, ok := set[k]; return v, ok }, true); err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, v := range Variables {
		if !asked[v.Name] {
			t.Errorf("%s is listed but not read", v.Name)
		}
		if slices.Contains(listed, v.Name) {
			t.Errorf("%s is listed twice", v.Name)
		}
		listed = append(listed, v.Name)
	}
	for k := range asked {
		if !slices.Contains(listed, k) {
			t.Errorf("%s is read but not listed", k)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z_]+)` \\|").FindAllSubmatch(readme, -1) {
		documented = append(documented, string(m[1]))
	}
	slices.Sort(documented)
	slices.Sort(listed)
	if !slices.Equal(documented, listed) {
		t.Errorf("README's table has %v,\nthe service reads %v", documented, listed)
	}
}

// TestListedDefaultsAreTheDefaults: a variable unset and set to its
// listed default configure the same.
func TestListedDefaultsAreTheDefaults(t *testing.T) {
	base, err := Load(env("TELEGRAM_BOT_TOKEN", goodToken), true)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Variables {
		if v.Default == "" || v.Default[0] == '(' || v.Name == "LISTEN_ADDR" {
			continue // unset, required, a list, or only with a webhook
		}
		c, err := Load(env("TELEGRAM_BOT_TOKEN", goodToken, v.Name, v.Default), true)
		if err != nil {
			t.Errorf("%s=%s: %v", v.Name, v.Default, err)
			continue
		}
		if describe(c) != describe(base) {
			t.Errorf("%s=%s configures otherwise than unset:\n%s\n%s", v.Name, v.Default, describe(c), describe(base))
		}
	}
	if base.HealthPollMaxAge != 5*time.Minute || base.HealthOutboxMaxAge != 10*time.Minute || base.LogFormat != "text" {
		t.Fatalf("health and log defaults: %+v", base)
	}
}

func describe(c *Config) string { return fmt.Sprintf("%+v", *c) }
