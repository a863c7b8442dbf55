package inventory

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// text returns the scalar as text, rejecting values that YAML tools read
// differently: true and false, and the YAML 1.1 words yes, no, on and off
// when unquoted.
func (s scalar) text(p *problemList, key string) string {
	if !s.Set {
		return ""
	}
	if s.Kind == kindBool {
		p.errorf(s.Pos, "%s: %s is read as a boolean: quote it as \"%s\" if you mean the text", key, s.Text, s.Text)
		return ""
	}
	if s.Plain && isYAML11Bool(s.Text) {
		p.errorf(s.Pos, "%s: unquoted %s is read as a boolean by YAML 1.1 tools: quote it as \"%s\"", key, s.Text, s.Text)
		return ""
	}
	return s.Text
}

func isYAML11Bool(text string) bool {
	for _, word := range yaml11Bools {
		if strings.EqualFold(text, word) {
			return true
		}
	}
	return false
}

// required returns the scalar as text and reports a missing value.
func (s scalar) required(p *problemList, pos Pos, what, key string) string {
	if !s.Set || strings.TrimSpace(s.Text) == "" {
		if s.Set {
			pos = s.Pos
		}
		p.errorf(pos, "%s: missing %s: add \"%s: ...\"", what, key, key)
		return ""
	}
	return s.text(p, key)
}

// boolean returns the scalar as a boolean; def is returned when it is unset.
func (s scalar) boolean(p *problemList, key string, def bool) bool {
	if !s.Set {
		return def
	}
	if s.Kind != kindBool {
		p.errorf(s.Pos, "%s: %q is not a boolean: write true or false without quotes", key, s.Text)
		return def
	}
	return s.Text == "true" || s.Text == "True" || s.Text == "TRUE"
}

// integer returns the scalar as a decimal whole number in [lo, hi].
func (s scalar) integer(p *problemList, key string, lo, hi int) int {
	if !s.Set {
		return 0
	}
	n, err := strconv.Atoi(s.Text)
	if err != nil || s.Kind != kindNumber {
		p.errorf(s.Pos, "%s: %q is not a whole number: write digits without quotes, for example %d", key, s.Text, max(lo, 1))
		return 0
	}
	if len(s.Text) > 1 && s.Text[0] == '0' {
		p.errorf(s.Pos, "%s: %s has a leading zero, which YAML reads as an octal number: write it without the zero", key, s.Text)
		return 0
	}
	if n < lo || n > hi {
		p.errorf(s.Pos, "%s: %d is out of range: use a number from %d to %d", key, n, lo, hi)
		return 0
	}
	return n
}

// duration returns the scalar as a duration such as "24h", "90m", "2d" or
// "1d12h"; def is returned when it is unset.
func (s scalar) duration(p *problemList, key string, def time.Duration) time.Duration {
	if !s.Set {
		return def
	}
	d, err := parseDuration(s.Text)
	if err != nil {
		p.errorf(s.Pos, "%s: %q is not a duration: write a number with a unit d, h or m, for example 24h or 2d", key, s.Text)
		return def
	}
	return d
}

// parseDuration parses a non-negative Go duration with an added "d" unit
// for 24-hour days.
func parseDuration(text string) (time.Duration, error) {
	days := 0
	rest := text
	if before, after, ok := strings.Cut(text, "d"); ok {
		n, err := strconv.Atoi(before)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid day count %q", before)
		}
		days, rest = n, after
	}
	var d time.Duration
	if rest != "" {
		var err error
		if d, err = time.ParseDuration(rest); err != nil {
			return 0, err
		}
	}
	if d < 0 || (days == 0 && rest == "") {
		return 0, fmt.Errorf("invalid duration %q", text)
	}
	return time.Duration(days)*24*time.Hour + d, nil
}

// share returns the scalar as a share from 0 to 1, written as a percentage
// such as "95%"; def is returned when it is unset.
func (s scalar) share(p *problemList, key string, def float64) float64 {
	if !s.Set {
		return def
	}
	share, ok := parsePercent(s.Text)
	if !ok {
		p.errorf(s.Pos, "%s: %q is not a percentage: write a number from 0 to 100 followed by %%, for example 95%%", key, s.Text)
		return def
	}
	return share
}

func parsePercent(text string) (float64, bool) {
	number, ok := strings.CutSuffix(strings.TrimSpace(text), "%")
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(number), 64)
	if err != nil || f < 0 || f > 100 {
		return 0, false
	}
	return f / 100, true
}

// budget returns the scalar as a failure budget: a host count ("2") or a
// share of the hosts in scope ("10%").
func (s scalar) budget(p *problemList, key string, def Budget) Budget {
	if !s.Set {
		return def
	}
	if share, ok := parsePercent(s.Text); ok {
		return Budget{Share: share, IsShare: true}
	}
	n, err := strconv.Atoi(s.Text)
	if err != nil || n < 0 {
		p.errorf(s.Pos, "%s: %q is not a failure budget: write a host count such as 1 or a share such as 10%%", key, s.Text)
		return def
	}
	return Budget{Count: n}
}

// date returns the scalar as a date in YYYY-MM-DD form.
func (s scalar) date(p *problemList, key string) Date {
	if !s.Set {
		return Date{}
	}
	d, err := ParseDate(s.Text)
	if err != nil {
		p.errorf(s.Pos, "%s: %v", key, err)
	}
	return d
}

// texts returns a list of scalars as text.
func texts(p *problemList, list []scalar, key string) []string {
	var out []string
	for _, s := range list {
		if t := s.text(p, key); t != "" {
			out = append(out, t)
		}
	}
	return out
}
