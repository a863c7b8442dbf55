package tui

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
)

func TestFooterListsEveryScreensMainKey(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	for _, tc := range []struct {
		screen  string
		binding key.Binding
	}{
		{"1", fleetKeys.plan},
		{"3", runKeys.resume},
	} {
		press(m, tc.screen)
		want := tc.binding.Help().Key + " " + firstWord(tc.binding.Help().Desc)
		if line := m.messageLine(); !strings.Contains(line, want) {
			t.Errorf("footer of screen %s = %q, want it to list %q", tc.screen, line, want)
		}
	}
}
