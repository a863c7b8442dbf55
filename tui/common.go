package tui

import (
	"context"
	"image/color"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// component is the contract every screen and pane follows: it starts,
// takes messages, renders at a size and lists its keys for the help
// overlay and the footer. Update only changes the component's state and
// returns commands; I/O happens inside those commands.
type component interface {
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	KeyHelp() []key.Binding
	// Capturing reports whether the component is reading text, so that
	// the console passes every key to it instead of acting on it.
	Capturing() bool
}

// common is shared by the console's components: the clock, the styles
// and the fleet last loaded.
type common struct {
	ctx     context.Context
	backend Backend
	styles  styles
	now     func() time.Time
	fleet   *Fleet
	// clock is the time of the last tick, so that views render with the
	// same instant within a frame.
	clock time.Time
}

// styles are the console's text styles. Colours come from the 16 basic
// ANSI colours, which read on dark and light terminals; every state that
// has a colour also has a word or mark, so NO_COLOR loses nothing.
type styles struct {
	title, tab, activeTab  lipgloss.Style
	header, selected, dim  lipgloss.Style
	ok, warn, bad, section lipgloss.Style
	statusBar, errorBar    lipgloss.Style
	overlay                lipgloss.Style
}

func newStyles() styles {
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	return styles{
		title:     lipgloss.NewStyle().Bold(true),
		tab:       fg(lipgloss.BrightBlack),
		activeTab: lipgloss.NewStyle().Bold(true).Underline(true),
		header:    lipgloss.NewStyle().Bold(true),
		selected:  lipgloss.NewStyle().Reverse(true),
		dim:       fg(lipgloss.BrightBlack),
		ok:        fg(lipgloss.Green),
		warn:      fg(lipgloss.Yellow),
		bad:       fg(lipgloss.Red).Bold(true),
		section:   fg(lipgloss.Cyan).Bold(true),
		statusBar: lipgloss.NewStyle().Reverse(true),
		errorBar:  fg(lipgloss.Red).Bold(true),
		overlay:   lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Padding(0, 1),
	}
}

// binding returns a key binding with its help text.
func binding(help string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], help))
}

// matches reports whether msg is one of b's keys.
func matches(msg tea.KeyPressMsg, b key.Binding) bool {
	return key.Matches(msg, b)
}
