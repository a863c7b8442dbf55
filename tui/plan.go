package tui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"patchbay/playbooks/plan"
)

// planKeys are the keys of the plan and launch screen.
var planKeys = struct {
	up, down, left, right, edit, makePlan key.Binding
	window, gate, start, pageUp, pageDown key.Binding
	yes, no                               key.Binding
}{
	up:       binding("previous field", "up", "k"),
	down:     binding("next field", "down", "j"),
	left:     binding("previous choice", "left", "h"),
	right:    binding("next choice", "right", "l"),
	edit:     binding("edit a text field, or plan", "enter"),
	makePlan: binding("show the plan", "p"),
	window:   binding("override closed windows (asks a reason)", "w"),
	gate:     binding("override ring gates (asks a reason)", "g"),
	start:    binding("start the run (asks first)", "s"),
	pageUp:   binding("scroll the plan up", "pgup"),
	pageDown: binding("scroll the plan down", "pgdown"),
	yes:      binding("confirm", "y"),
	no:       binding("cancel", "n", "esc"),
}

// Form fields of the plan screen, top to bottom.
const (
	fieldPlaybook = iota
	fieldSite
	fieldRing
	fieldHosts
	fieldTag
	fieldCount
)

// playbooksMsg carries the playbook names.
type playbooksMsg struct {
	names []string
	err   error
}

// planMadeMsg carries a plan, or the error that prevented it.
type planMadeMsg struct {
	req  PlanRequest
	plan *plan.Plan
	err  error
}

// startMsg requests the start of a confirmed plan.
type startMsg struct {
	req  PlanRequest
	plan *plan.Plan
}

func playbooksCmd(b Backend) tea.Cmd {
	return func() tea.Msg {
		names, err := b.Playbooks()
		return playbooksMsg{names: names, err: err}
	}
}

func planCmd(ctx context.Context, b Backend, req PlanRequest) tea.Cmd {
	return func() tea.Msg {
		p, err := b.Plan(ctx, req)
		return planMadeMsg{req: req, plan: p, err: err}
	}
}

func startCmd(ctx context.Context, b Backend, req PlanRequest, p *plan.Plan) tea.Cmd {
	return func() tea.Msg {
		r, err := b.Start(ctx, req, p)
		if err != nil {
			return errMsg{op: "start the run", err: err, hint: "check the plan again (p), then start it"}
		}
		return runStartedMsg{run: r}
	}
}

func retryCmd(ctx context.Context, b Backend, id string, unfinished bool) tea.Cmd {
	return func() tea.Msg {
		r, err := b.Retry(ctx, id, unfinished)
		if err != nil {
			return errMsg{op: "start the retry of run " + id, err: err, hint: "see the journal screen (6) for the run's hosts"}
		}
		msg := runStartedMsg{run: r}
		if unfinished {
			msg.resumes = id
		}
		return msg
	}
}

// planScreen picks a playbook and a scope, shows the plan and starts it.
type planScreen struct {
	c             *common
	width, height int
	playbooks     []string
	choice        [fieldCount]int // selected index of the choice fields
	hosts, tag    lineInput
	field         int
	editing       bool
	// reason is the prompt for an override's written reason; asking
	// names the override it is for, "window" or "gate".
	reason lineInput
	asking string
	// emergency is the id of the emergency being planned, whose playbook
	// and hosts replace the form's; emergencyPlaybook names its playbook.
	emergency, emergencyPlaybook string
	overrides                    plan.Overrides
	plan                         *plan.Plan
	req                          PlanRequest
	planErr                      error
	confirm                      bool
	offset                       int // first plan line shown
}

func newPlanScreen(c *common) *planScreen {
	return &planScreen{c: c,
		hosts:  lineInput{placeholder: "all, or names and globs such as ent-ws-* (enter edits)"},
		tag:    lineInput{placeholder: "any (enter edits)"},
		reason: lineInput{placeholder: "why, for the journal"},
	}
}

func (s *planScreen) Init() tea.Cmd { return nil }

func (s *planScreen) SetSize(width, height int) {
	s.width, s.height = width, height
}

func (s *planScreen) Capturing() bool { return s.editing || s.asking != "" || s.confirm }

func (s *planScreen) KeyHelp() []key.Binding {
	k := planKeys
	if s.confirm {
		return []key.Binding{k.yes, k.no}
	}
	return []key.Binding{k.up, k.down, k.left, k.right, k.edit, k.makePlan, k.window, k.gate,
		k.start, k.pageUp, k.pageDown}
}

// request returns the plan request of the form.
func (s *planScreen) request() PlanRequest {
	req := PlanRequest{Overrides: s.overrides, Emergency: s.emergency}
	if i := s.choice[fieldPlaybook]; i < len(s.playbooks) && s.emergency == "" {
		req.Playbook = s.playbooks[i]
	}
	if site := s.choiceValue(fieldSite); site != "" {
		req.Selection.Sites = []string{site}
	}
	if ring := s.choiceValue(fieldRing); ring != "" {
		req.Selection.Rings = []string{ring}
	}
	req.Selection.Hosts = strings.Fields(strings.ReplaceAll(s.hosts.Value(), ",", " "))
	req.Selection.Tags = strings.Fields(strings.ReplaceAll(s.tag.Value(), ",", " "))
	return req
}

// options returns the choices of a field; the first, "", means all.
func (s *planScreen) options(field int) []string {
	f := s.c.fleet
	switch {
	case field == fieldPlaybook:
		return s.playbooks
	case f == nil:
		return []string{""}
	case field == fieldSite:
		out := []string{""}
		for _, site := range f.Inventory.Sites {
			out = append(out, site.ID)
		}
		return out
	case field == fieldRing:
		out := []string{""}
		for _, r := range f.Inventory.Rings {
			out = append(out, r.Name)
		}
		return out
	}
	return nil
}

func (s *planScreen) choiceValue(field int) string {
	opts := s.options(field)
	if i := s.choice[field]; i < len(opts) {
		return opts[i]
	}
	return ""
}

// selectSite sets the site choice to id.
func (s *planScreen) selectSite(id string) {
	for i, o := range s.options(fieldSite) {
		if o == id {
			s.choice[fieldSite] = i
		}
	}
	s.invalidate()
}

// planEmergency switches the form to an emergency: its playbook and
// hosts, narrowed by the site, ring, hosts and tag fields.
func (s *planScreen) planEmergency(msg planEmergencyMsg) {
	s.emergency, s.emergencyPlaybook = msg.id, msg.playbook
	s.invalidate()
}

// invalidate drops the plan shown, because the form changed.
func (s *planScreen) invalidate() {
	s.plan, s.planErr, s.offset = nil, nil, 0
}
