package modustest

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/modus-data/modus-sdk-go/gen"
	"github.com/modus-data/modus-sdk-go/modus/modustest/internal/server"
)

// userKinds are the context types users create and may delete; items of
// other types come from integrations and answer 422 on delete.
var userKinds = []gen.ContextItemKind{gen.ContextItemKindNote, gen.ContextItemKindLink, gen.ContextItemKindSavedQuery}

// addItem stores a context item and returns it.
func (st *state) addItem(contextType gen.ContextItemKind, content map[string]any, description *string, dataPath []string, connectionID *string) *gen.ContextItemDto {
	t := now()
	it := &gen.ContextItemDto{
		Content: content, ContextType: contextType, CreatedAt: t, UpdatedAt: t,
		DataPath: nonNil(dataPath), OrgID: DefaultOrganizationID, Topics: []string{},
		UID: st.newUUID().String(), UserFeedback: gen.UserFeedbackNeutral,
	}
	if it.Content == nil {
		it.Content = map[string]any{}
	}
	if connectionID != nil {
		it.ConnectionID = ptr(*connectionID)
	}
	if description != nil {
		it.Description = ptr(*description)
	}
	st.items[it.UID] = it
	st.itemOrder = append(st.itemOrder, it.UID)
	return it
}

// itemText is what text searches look at: content, description and topics.
func itemText(it *gen.ContextItemDto) string {
	b, _ := json.Marshal(it.Content)
	return string(b) + " " + derefOr(it.Description, "") + " " + strings.Join(it.Topics, " ")
}

func (st *state) item(uid string) (*gen.ContextItemDto, error) {
	it, ok := st.items[uid]
	if !ok {
		return nil, notFound("context item %s not found", uid)
	}
	return it, nil
}

func created(it *gen.ContextItemDto, kind gen.ContextItemKind, title string) gen.CreatedContextItemResponseDto {
	return gen.CreatedContextItemResponseDto{
		ContextItemID: it.UID, Kind: kind, Title: ptr(title),
	}
}

// required checks that each named string is set, the names and values
// alternating in the order of the spec's required list, and answers for
// the first one that is not: the same answer every time.
func required(namesAndValues ...string) error {
	for i := 0; i+1 < len(namesAndValues); i += 2 {
		if strings.TrimSpace(namesAndValues[i+1]) == "" {
			return invalid("%s must not be empty", namesAndValues[i])
		}
	}
	return nil
}

func (h *api) CreateNote(ctx context.Context, req server.CreateNoteRequestObject) (server.CreateNoteResponseObject, error) {
	b := req.Body
	if err := required("title", b.Title, "content", b.Content); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	it := h.state.addItem("note", map[string]any{"title": b.Title, "content": b.Content}, &b.Title, []string{"notes", b.Title}, nil)
	return server.CreateNote201JSONResponse(created(it, gen.ContextItemKindNote, b.Title)), nil
}

// CreateLink does not fetch the page: the content holds the URL, and the
// title falls back to the host name, as the API's does without metadata.
func (h *api) CreateLink(ctx context.Context, req server.CreateLinkRequestObject) (server.CreateLinkResponseObject, error) {
	b := req.Body
	u, err := url.Parse(b.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, invalid("url must be an absolute http(s) URL")
	}
	title := u.Hostname()
	if b.Title != nil && *b.Title != "" {
		title = *b.Title
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	content := map[string]any{"url": b.URL, "title": title, "isCrawl": b.IsCrawl != nil && *b.IsCrawl}
	it := h.state.addItem("link", content, &title, []string{"links", b.URL}, nil)
	return server.CreateLink201JSONResponse(created(it, gen.ContextItemKindLink, title)), nil
}

func (h *api) CreateSavedQuery(ctx context.Context, req server.CreateSavedQueryRequestObject) (server.CreateSavedQueryResponseObject, error) {
	b := req.Body
	if err := required("name", b.Name, "connectionId", b.ConnectionID); err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !slices.ContainsFunc(h.state.connections, func(c gen.ConnectionDto) bool { return c.ID.String() == b.ConnectionID }) {
		return nil, notFound("connection %s not found", b.ConnectionID)
	}
	content := map[string]any{"name": b.Name, "query": deref(b.Query)}
	path := b.Path
	if len(path) == 0 {
		path = []string{"saved_queries", b.Name}
	}
	it := h.state.addItem("saved_query", content, b.Description, path, &b.ConnectionID)
	return server.CreateSavedQuery201JSONResponse(created(it, gen.ContextItemKindSavedQuery, b.Name)), nil
}

func (h *api) CreateDimension(ctx context.Context, req server.CreateDimensionRequestObject) (server.CreateDimensionResponseObject, error) {
	b := req.Body
	resp, err := h.createSemantic(gen.ContextItemKindDimension, "dimensions", b, b.Name, b.Expr, b.Description, map[string]string{"dataType": "TEXT"})
	if err != nil {
		return nil, err
	}
	return server.CreateDimension201JSONResponse(resp), nil
}

func (h *api) CreateFact(ctx context.Context, req server.CreateFactRequestObject) (server.CreateFactResponseObject, error) {
	b := req.Body
	resp, err := h.createSemantic(gen.ContextItemKindFact, "facts", b, b.Name, b.Expr, b.Description, map[string]string{"dataType": "NUMBER", "aggregation": "SUM"})
	if err != nil {
		return nil, err
	}
	return server.CreateFact201JSONResponse(resp), nil
}

// CreateFilter validates and then answers 422: the API does not store
// filters yet (see the operation's description in openapi.json).
func (h *api) CreateFilter(ctx context.Context, req server.CreateFilterRequestObject) (server.CreateFilterResponseObject, error) {
	b := req.Body
	if err := requiredSemantic(b.Name, b.Expr, b.Description); err != nil {
		return nil, err
	}
	return nil, unprocessable("filters cannot be created yet")
}

// CreateMetric validates and then answers 422, like CreateFilter.
func (h *api) CreateMetric(ctx context.Context, req server.CreateMetricRequestObject) (server.CreateMetricResponseObject, error) {
	b := req.Body
	if err := requiredSemantic(b.Name, b.Expr, b.Description); err != nil {
		return nil, err
	}
	return nil, unprocessable("metrics cannot be created yet")
}

// requiredSemantic checks the three fields every semantic-layer body needs.
func requiredSemantic(name, expr, description string) error {
	return required("name", name, "description", description, "expr", expr)
}

// toMap turns a request body into the free-form map a context item's
// content holds.
func toMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// createSemantic stores a semantic-layer definition (the whole body as its
// content, with defaults for the fields the body left out) under
// semantic_layer/<folder>/<name>.
func (h *api) createSemantic(kind gen.ContextItemKind, folder string, body any, name, expr, description string, defaults map[string]string) (gen.CreatedContextItemResponseDto, error) {
	if err := requiredSemantic(name, expr, description); err != nil {
		return gen.CreatedContextItemResponseDto{}, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	content := toMap(body)
	for k, v := range defaults {
		if _, ok := content[k]; !ok {
			content[k] = v
		}
	}
	it := h.state.addItem(kind, content, &description, []string{"semantic_layer", folder, name}, nil)
	return created(it, kind, name), nil
}

func (h *api) GetContextItem(ctx context.Context, req server.GetContextItemRequestObject) (server.GetContextItemResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	it, err := h.state.item(req.UID)
	if err != nil {
		return nil, err
	}
	return server.GetContextItem200JSONResponse(*it), nil
}

func (h *api) ListContextItems(ctx context.Context, req server.ListContextItemsRequestObject) (server.ListContextItemsResponseObject, error) {
	p := req.Params
	h.mu.Lock()
	defer h.mu.Unlock()
	var all []gen.ContextItemDto
	for _, uid := range h.state.itemOrder {
		it := h.state.items[uid]
		if len(p.ContextTypes) > 0 && !slices.Contains(p.ContextTypes, it.ContextType) {
			continue
		}
		if len(p.VerificationStatuses) > 0 && !slices.Contains(p.VerificationStatuses, it.UserFeedback) {
			continue
		}
		if len(p.Topics) > 0 && !slices.ContainsFunc(p.Topics, func(t string) bool { return slices.Contains(it.Topics, t) }) {
			continue
		}
		if p.SearchQuery != nil && !containsFold(itemText(it), *p.SearchQuery) {
			continue
		}
		all = append(all, *it)
	}
	page, next, err := paginate(all, p.PageToken, p.PageSize, 25, 200,
		queryHash("ListContextItems", p.ContextTypes, p.VerificationStatuses, p.SearchQuery, p.Topics))
	if err != nil {
		return nil, err
	}
	return server.ListContextItems200JSONResponse{
		ContextItems: nonNil(page), NextPageToken: next, TotalCount: ptr(int64(len(all))),
	}, nil
}

func (h *api) LookupContextItem(ctx context.Context, req server.LookupContextItemRequestObject) (server.LookupContextItemResponseObject, error) {
	b := req.Body
	if b.ContextType == "" || len(b.DataPath) == 0 {
		return nil, invalid("contextType and dataPath are required")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, uid := range h.state.itemOrder {
		it := h.state.items[uid]
		if it.ContextType != b.ContextType || !slices.Equal(it.DataPath, b.DataPath) {
			continue
		}
		return server.LookupContextItem200JSONResponse{Item: &gen.LookupContextItemRowDto{
			ConnectionID: it.ConnectionID, Content: project(it.Content, b.ContentProjection), ContextType: it.ContextType,
			DataPath: it.DataPath, SelectionID: it.SelectionID, UID: it.UID,
		}}, nil
	}
	return server.LookupContextItem200JSONResponse{Item: nil}, nil
}

// project keeps only the content keys a contentProjection asks for.
func project(content map[string]any, p *gen.ContentProjectionDto) map[string]any {
	if p == nil || (len(p.Fields) == 0 && len(p.Arrays) == 0) {
		return content
	}
	out := map[string]any{}
	for _, f := range p.Fields {
		if v, ok := content[f]; ok {
			out[f] = v
		}
	}
	for key, keep := range p.Arrays {
		arr, ok := content[key].([]any)
		if !ok {
			continue
		}
		trimmed := make([]any, 0, len(arr))
		for _, e := range arr {
			m, ok := e.(map[string]any)
			if !ok {
				trimmed = append(trimmed, e)
				continue
			}
			n := map[string]any{}
			for _, k := range keep {
				if v, ok := m[k]; ok {
					n[k] = v
				}
			}
			trimmed = append(trimmed, n)
		}
		out[key] = trimmed
	}
	return out
}

// UpdateContextItem applies the fields the updateMask names (all fields
// sent, without a mask). A field named in the mask but absent from the body
// is reset, as AIP-134 asks: description to null, topics to none, the
// verdict to neutral.
func (h *api) UpdateContextItem(ctx context.Context, req server.UpdateContextItemRequestObject) (server.UpdateContextItemResponseObject, error) {
	b := req.Body
	hasMask := req.Params.UpdateMask != nil && strings.TrimSpace(*req.Params.UpdateMask) != ""
	apply, err := mask(req.Params.UpdateMask, "content", "contextType", "description", "topics", "userFeedback")
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	it, err := h.state.item(req.UID)
	if err != nil {
		return nil, err
	}
	next := *it
	if err := patchItem(&next, b, apply, hasMask); err != nil {
		return nil, err
	}
	t := now()
	next.UpdatedAt = t
	next.LastUpdateMetadata = &gen.ContextItemDto_LastUpdateMetadata{
		Action: ptr("api_update"), UserID: ptr(DefaultUserID), Timestamp: &t,
	}
	*it = next
	return server.UpdateContextItem200JSONResponse{UID: it.UID}, nil
}

// patchItem applies an update to next, a copy of the item: a refused
// update changes nothing.
func patchItem(next *gen.ContextItemDto, b *gen.UpdateContextItemDto, apply func(string) bool, hasMask bool) error {
	if apply("content") && (b.Content != nil || hasMask) {
		if err := checkContent(next.ContextType, b); err != nil {
			return err
		}
		next.Content = b.Content
	}
	if apply("userFeedback") && b.UserFeedback != nil && !b.UserFeedback.Valid() {
		return invalid("userFeedback must be negative, neutral or positive")
	}
	if apply("description") {
		// A null in the body clears it, as a mask without the field does.
		next.Description = masked(nullablePtr(b.Description), hasMask || b.Description.IsNull(), next.Description, ptr[string], nil)
	}
	if apply("topics") && (b.Topics != nil || hasMask) {
		next.Topics = nonNil(b.Topics) // [] or a mask without topics clears them
	}
	if apply("userFeedback") {
		same := func(f gen.UserFeedback) gen.UserFeedback { return f }
		next.UserFeedback = masked(b.UserFeedback, hasMask, next.UserFeedback, same, gen.UserFeedbackNeutral)
	}
	return nil
}

// masked is the new value of a field the mask selects: the body's value
// when it has one, reset when the mask names the field but the body leaves
// it out (AIP-134), else old.
func masked[T, V any](in *T, hasMask bool, old V, set func(T) V, reset V) V {
	switch {
	case in != nil:
		return set(*in)
	case hasMask:
		return reset
	}
	return old
}

// checkContent checks new content: it comes with the item's own type.
func checkContent(itemType gen.ContextItemKind, b *gen.UpdateContextItemDto) error {
	switch {
	case b.Content == nil:
		return invalid("updateMask names content but the body has none")
	case b.ContextType == nil:
		return invalid("content must be sent together with contextType")
	case *b.ContextType != itemType:
		return invalid("contextType %q does not match the item's type %q", *b.ContextType, itemType)
	}
	return nil
}

func (h *api) DeleteContextItem(ctx context.Context, req server.DeleteContextItemRequestObject) (server.DeleteContextItemResponseObject, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	it, err := h.state.item(req.UID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(userKinds, it.ContextType) {
		return nil, unprocessable("context items of type %q are managed by their integration and cannot be deleted", it.ContextType)
	}
	delete(h.state.items, it.UID)
	h.state.itemOrder = slices.DeleteFunc(h.state.itemOrder, func(u string) bool { return u == it.UID })
	return server.DeleteContextItem200JSONResponse{ContextType: it.ContextType, UID: it.UID}, nil
}

// ListContextItemValues pages through the array at contentKeyPath (a dot
// path) inside the item's content.
func (h *api) ListContextItemValues(ctx context.Context, req server.ListContextItemValuesRequestObject) (server.ListContextItemValuesResponseObject, error) {
	p := req.Params
	if p.Offset != nil && *p.Offset < 0 {
		return nil, invalid("offset must not be negative")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	it, err := h.state.item(req.UID)
	if err != nil {
		return nil, err
	}
	if it.ContextType != p.ContextType || !hasPrefix(it.DataPath, p.DataPathPrefix) {
		return nil, notFound("context item %s of type %q not found", req.UID, p.ContextType)
	}
	arr, ok := valueAt(it.Content, p.ContentKeyPath).([]any)
	if !ok {
		return nil, invalid("no array at contentKeyPath %q", p.ContentKeyPath)
	}
	all := searchValues(arr, p.SearchQuery)
	q := queryHash("ListContextItemValues", req.UID, p.ContextType, p.ContentKeyPath, p.SearchQuery, p.DataPathPrefix)
	token := p.PageToken
	if (token == nil || *token == "") && p.Offset != nil { // the legacy offset starts where a token would
		token = ptr(makeToken(*p.Offset, q))
	}
	page, next, err := paginate(all, token, p.PageSize, 25, 200, q)
	if err != nil {
		return nil, err
	}
	return server.ListContextItemValues200JSONResponse{Values: nonNil(page), NextPageToken: next}, nil
}

func hasPrefix(path, prefix []string) bool {
	return len(prefix) <= len(path) && slices.Equal(path[:len(prefix)], prefix)
}

// valueAt is the value at a dot path inside content (nil when there is none).
func valueAt(content map[string]any, path string) any {
	var cur any = content
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// searchValues keeps the values whose text (a string, else its JSON)
// contains query; all of them when query is nil.
func searchValues(values []any, query *string) []any {
	var out []any
	for _, v := range values {
		s, isStr := v.(string)
		if !isStr {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		if query == nil || containsFold(s, *query) {
			out = append(out, v)
		}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	return derefOr(p, zero)
}

// derefOr is *p, or def when p is nil.
func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
