package modustest

import (
	"strings"
	"time"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/internal/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"
)

// resource is what agents and skills share, kept in one place: a draft and
// a deployed variation, soft delete and restore, and ownership transfer.
// The fields it changes live in the agent's or skill's DTO; lifecycle
// points at them.
type resource[V any] struct {
	draft, active *V
	lc            lifecycle
}

// lifecycle points at the DTO fields the shared logic reads and writes.
type lifecycle struct {
	status      *gen.ResourceLifecycleStatus
	deletedAt   **time.Time
	updatedAt   *time.Time
	draftID     **openapi_types.UUID
	activeID    **openapi_types.UUID
	unpublished *bool
	owner       *nullable.Nullable[string]
	ownerEmail  *nullable.Nullable[string]
	pending     **gen.PendingOwnershipTransferDto
}

// shown is the variation a view shows: "draft" the draft, anything else
// the deployed one, falling back to the draft before the first deploy. It
// is a copy (nil when there is none).
func (r *resource[V]) shown(view string) *V {
	v := r.active
	if view == "draft" || v == nil {
		v = r.draft
	}
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

// edit returns the draft to change, starting one from the deployed
// variation when there is none; touch marks the change.
func (r *resource[V]) edit(st *state) *V {
	if r.draft == nil {
		c := *r.active
		r.draft = &c
		*r.lc.draftID = ptr(st.newUUID())
	}
	return r.draft
}

// touch records a change to the draft.
func (r *resource[V]) touch() {
	*r.lc.unpublished = true
	*r.lc.updatedAt = now()
}

// deploy makes the draft the deployed variation and returns the time.
func (r *resource[V]) deploy() time.Time {
	t := now()
	if r.draft != nil {
		r.active, r.draft = r.draft, nil
		*r.lc.activeID = *r.lc.draftID
		*r.lc.draftID = nil
	}
	*r.lc.status = gen.ResourceLifecycleStatusActive
	*r.lc.unpublished = false
	*r.lc.updatedAt = t
	return t
}

func (r *resource[V]) deleted() bool { return *r.lc.status == gen.ResourceLifecycleStatusDeleted }

// softDelete marks the resource deleted; deleting twice succeeds and
// changes nothing. It reports whether this call deleted it.
func (r *resource[V]) softDelete() bool {
	if r.deleted() {
		return false
	}
	*r.lc.status = gen.ResourceLifecycleStatusDeleted
	*r.lc.deletedAt = ptr(now())
	return true
}

// undelete restores a deleted resource to active (it was deployed) or
// draft; restoring a live one changes nothing.
func (r *resource[V]) undelete() {
	if !r.deleted() {
		return
	}
	*r.lc.status = gen.ResourceLifecycleStatusDraft
	if r.active != nil {
		*r.lc.status = gen.ResourceLifecycleStatusActive
	}
	*r.lc.deletedAt = nil
	*r.lc.updatedAt = now()
}

// keepOwner keeps the owner when a client writes the access config, where
// it is read-only.
func (r *resource[V]) keepOwner(write func()) {
	owner := *r.lc.owner
	write()
	*r.lc.owner = owner
}

// requestTransfer starts an ownership transfer to user to. The fake has
// one caller, who may act as owner and as recipient; it does not check who
// accepts.
func (r *resource[V]) requestTransfer(to string) error {
	if strings.TrimSpace(to) == "" {
		return invalid("newOwnerUserId must not be empty")
	}
	if o, err := r.lc.owner.Get(); err == nil && o == to {
		return invalid("%s already owns it", to)
	}
	if *r.lc.pending != nil {
		return conflict("an ownership transfer is already pending")
	}
	*r.lc.pending = &gen.PendingOwnershipTransferDto{
		PendingOwnerUserID: to, PendingOwnerEmail: ptr(to + "@example.com"),
		RequestedAt: now(), RequestedByUserID: DefaultUserID,
	}
	return nil
}

// endTransfer clears the pending transfer and returns its recipient; 404
// when none is pending.
func (r *resource[V]) endTransfer() (string, error) {
	p := *r.lc.pending
	if p == nil {
		return "", notFound("no ownership transfer is pending")
	}
	*r.lc.pending = nil
	return p.PendingOwnerUserID, nil
}

// acceptTransfer makes the pending transfer's recipient the owner.
func (r *resource[V]) acceptTransfer() error {
	to, err := r.endTransfer()
	if err != nil {
		return err
	}
	*r.lc.owner = nullable.NewNullableWithValue(to)
	*r.lc.ownerEmail = nullable.NewNullableWithValue(to + "@example.com")
	*r.lc.updatedAt = now()
	return nil
}

// cancelTransfer drops the pending transfer.
func (r *resource[V]) cancelTransfer() error {
	_, err := r.endTransfer()
	return err
}

// lookup finds resource id of kind what in m; with live, a soft-deleted one
// is not found either.
func lookup[R interface{ deleted() bool }](m map[int64]R, what string, id int64, live bool) (R, error) {
	r, ok := m[id]
	if !ok || (live && r.deleted()) {
		var zero R
		return zero, notFound("%s %d not found", what, id)
	}
	return r, nil
}

// viewer is an agent or a skill: what their handlers answer.
type viewer[D any] interface{ draftView() D }

// locked finds a resource and runs fn on it under the server's lock, and
// answers its draft view: the shape of most agent and skill handlers.
func locked[R viewer[D], D any](h *api, find func() (R, error), fn func(R) error) (D, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var zero D
	r, err := find()
	if err != nil {
		return zero, err
	}
	if err := fn(r); err != nil {
		return zero, err
	}
	return r.draftView(), nil
}

// field is one field of a PATCH body: its name in updateMask, whether the
// body sets it, and how to apply it.
type field struct {
	name  string
	set   bool
	apply func()
}

// patch applies the fields the body sets and the mask selects.
func patch(selected func(string) bool, fields []field) {
	for _, f := range fields {
		if f.set && selected(f.name) {
			f.apply()
		}
	}
}

// maskOf parses updateMask against the names of fields.
func maskOf(m *string, fields []field) (func(string) bool, error) {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return mask(m, names...)
}
