package tui

import (
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// lineInput is a one-line text field: printable keys append, backspace
// deletes the last character, ctrl+u clears. The console's fields are
// short (a filter, a glob, a reason), so it has no cursor movement.
type lineInput struct {
	prompt      string
	placeholder string
	value       string
	focused     bool
	limit       int // maximum characters; 0 means 200
}

func (in *lineInput) Value() string { return in.value }

func (in *lineInput) SetValue(s string) { in.value = s }

func (in *lineInput) Focus() tea.Cmd {
	in.focused = true
	return nil
}

func (in *lineInput) Blur() { in.focused = false }

// Update applies one key press to the field.
func (in *lineInput) Update(msg tea.KeyPressMsg) {
	limit := in.limit
	if limit == 0 {
		limit = 200
	}
	switch msg.String() {
	case "backspace":
		if _, size := utf8.DecodeLastRuneInString(in.value); size > 0 {
			in.value = in.value[:len(in.value)-size]
		}
	case "ctrl+u":
		in.value = ""
	case "space":
		in.value += " "
	default:
		if msg.Text != "" && utf8.RuneCountInString(in.value) < limit {
			in.value += msg.Text
		}
	}
}

// View renders the prompt, the value and a block cursor when focused,
// or the placeholder when empty and not focused.
func (in *lineInput) View() string {
	switch {
	case in.focused:
		return in.prompt + in.value + "█"
	case in.value == "":
		return in.prompt + in.placeholder
	}
	return in.prompt + in.value
}

// Edit applies a key to a field that a filter opened: enter keeps the
// value, esc clears it, and both end the editing, which Edit returns as
// true.
func (in *lineInput) Edit(msg tea.KeyPressMsg) bool {
	switch msg.String() {
	case "enter":
		in.Blur()
		return true
	case "esc":
		in.Blur()
		in.SetValue("")
		return true
	}
	in.Update(msg)
	return false
}
