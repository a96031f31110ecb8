package modus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"

	"github.com/modus-data/modus-sdk-go/gen"
)

// The context item operations. Items are named by uid, the
// ContextItemID a Create... call returns.

// CreateNote adds a markdown note to the organization's context.
func (s *ContextService) CreateNote(ctx context.Context, body CreateNoteRequest, opts ...Option) (*CreatedContextItem, error) {
	return call[CreatedContextItem](ctx, s.c, opts, route{op: opCreateNote}, func(server string) (*http.Request, error) {
		return gen.NewCreateNoteRequest(server, body)
	})
}

// CreateLink adds a web page (optionally crawled) to the context.
func (s *ContextService) CreateLink(ctx context.Context, body CreateLinkRequest, opts ...Option) (*CreatedContextItem, error) {
	return call[CreatedContextItem](ctx, s.c, opts, route{op: opCreateLink}, func(server string) (*http.Request, error) {
		return gen.NewCreateLinkRequest(server, body)
	})
}

// CreateSavedQuery adds a saved query on a connection to the context.
func (s *ContextService) CreateSavedQuery(ctx context.Context, body CreateSavedQueryRequest, opts ...Option) (*CreatedContextItem, error) {
	return call[CreatedContextItem](ctx, s.c, opts, route{op: opCreateSavedQuery}, func(server string) (*http.Request, error) {
		return gen.NewCreateSavedQueryRequest(server, body)
	})
}

// CreateDimension adds a semantic-layer dimension to the context.
func (s *ContextService) CreateDimension(ctx context.Context, body CreateDimensionRequest, opts ...Option) (*CreatedContextItem, error) {
	return call[CreatedContextItem](ctx, s.c, opts, route{op: opCreateDimension}, func(server string) (*http.Request, error) {
		return gen.NewCreateDimensionRequest(server, body)
	})
}

// CreateFact adds a semantic-layer fact to the context.
func (s *ContextService) CreateFact(ctx context.Context, body CreateFactRequest, opts ...Option) (*CreatedContextItem, error) {
	return call[CreatedContextItem](ctx, s.c, opts, route{op: opCreateFact}, func(server string) (*http.Request, error) {
		return gen.NewCreateFactRequest(server, body)
	})
}

// CreateFilter adds a semantic-layer filter. The API does not store filters
// yet: after validating the body it answers ErrUnprocessable (422).
func (s *ContextService) CreateFilter(ctx context.Context, body CreateFilterRequest, opts ...Option) (*CreatedContextItem, error) {
	return call[CreatedContextItem](ctx, s.c, opts, route{op: opCreateFilter}, func(server string) (*http.Request, error) {
		return gen.NewCreateFilterRequest(server, body)
	})
}

// CreateMetric adds a semantic-layer metric. The API does not store metrics
// yet: after validating the body it answers ErrUnprocessable (422).
func (s *ContextService) CreateMetric(ctx context.Context, body CreateMetricRequest, opts ...Option) (*CreatedContextItem, error) {
	return call[CreatedContextItem](ctx, s.c, opts, route{op: opCreateMetric}, func(server string) (*http.Request, error) {
		return gen.NewCreateMetricRequest(server, body)
	})
}

// Get returns a context item with its content.
func (s *ContextService) Get(ctx context.Context, uid string, opts ...Option) (*ContextItem, error) {
	if err := checkID("GetContextItem", "uid", uid); err != nil {
		return nil, err
	}
	return call[ContextItem](ctx, s.c, opts, route{op: opGetContextItem, ids: [2]string{uid}, plain: true}, func(server string) (*http.Request, error) {
		return gen.NewGetContextItemRequest(server, uid)
	})
}

// List returns one page of context items, filtered by type, verdict, topic
// or text; see All to iterate over every page.
func (s *ContextService) List(ctx context.Context, params *ContextItemListParams, opts ...Option) (*ContextItemPage, error) {
	r, err := call[gen.ListContextItemsResponseDto](ctx, s.c, opts, route{op: opListContextItems, plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewListContextItemsRequest(server, params)
	})
	if err != nil {
		return nil, err
	}
	return &ContextItemPage{Page: Page[ContextItem]{Items: r.ContextItems, NextPageToken: nullableToken(r.NextPageToken)}, TotalCount: r.TotalCount}, nil
}

// All iterates over every context item List would return, page after page;
// params is never modified.
func (s *ContextService) All(ctx context.Context, params *ContextItemListParams, opts ...Option) iter.Seq2[ContextItem, error] {
	return listAll(ctx, params, func(p *ContextItemListParams, t string) { p.PageToken = &t },
		func(ctx context.Context, p *ContextItemListParams) (*Page[ContextItem], error) {
			page, err := s.List(ctx, p, opts...)
			if err != nil {
				return nil, err
			}
			return &page.Page, nil
		})
}

// Lookup finds the one item whose context type and data path both match
// exactly. No match is not an error: the answer's Item is then null.
func (s *ContextService) Lookup(ctx context.Context, body LookupContextItemRequest, opts ...Option) (*ContextItemLookup, error) {
	return call[ContextItemLookup](ctx, s.c, opts, route{op: opLookupContextItem}, func(server string) (*http.Request, error) {
		return gen.NewLookupContextItemRequest(server, body)
	})
}

// Values returns one page of the values of the array at
// params.ContentKeyPath inside an item's content (params is required:
// ContextType and ContentKeyPath must be set). Each value is any JSON value.
func (s *ContextService) Values(ctx context.Context, uid string, params *ContextItemValuesParams, opts ...Option) (*Page[any], error) {
	if err := checkID("ListContextItemValues", "uid", uid); err != nil {
		return nil, err
	}
	return doPage(ctx, s.c, opts, route{op: opListContextItemValues, ids: [2]string{uid}, plain: params == nil}, func(server string) (*http.Request, error) {
		return gen.NewListContextItemValuesRequest(server, uid, params)
	}, func(r *gen.ListContextItemValuesResponseDto) ([]any, string) {
		return r.Values, nullableToken(r.NextPageToken)
	})
}

// AllValues iterates over every value Values would return, page after page;
// params is never modified.
func (s *ContextService) AllValues(ctx context.Context, uid string, params *ContextItemValuesParams, opts ...Option) iter.Seq2[any, error] {
	return listAll(ctx, params, func(p *ContextItemValuesParams, t string) { p.PageToken = &t },
		func(ctx context.Context, p *ContextItemValuesParams) (*Page[any], error) {
			return s.Values(ctx, uid, p, opts...)
		})
}

// Update changes a context item and clears fields the way Agents.Update
// and Skills.Update do: a field set in body is written, a Nullable set to
// Null (Description) or an empty non-nil Topics is cleared, a field left
// unset is left alone. Content must come with the item's ContextType.
//
// The API clears a field that its updateMask names and its body leaves
// out, and takes no nulls: Update derives updateMask from the fields body
// sets (every one but ContextType) and sends the nulled ones only in the
// mask. A params.UpdateMask given by the caller is sent as it is instead
// (nulled fields are still left out of the body); params is never modified.
func (s *ContextService) Update(ctx context.Context, uid string, params *ContextItemUpdateParams, body UpdateContextItemRequest, opts ...Option) (*UpdatedContextItem, error) {
	if err := checkID("UpdateContextItem", "uid", uid); err != nil {
		return nil, err
	}
	raw, mask, err := contextItemPatch(body)
	if err != nil {
		return nil, err
	}
	p := &ContextItemUpdateParams{}
	if params != nil {
		*p = *params
	}
	if p.UpdateMask == nil && mask != "" {
		p.UpdateMask = &mask
	}
	if err := checkUpdate("UpdateContextItem", body, p.UpdateMask); err != nil {
		return nil, err
	}
	return call[UpdatedContextItem](ctx, s.c, opts, route{op: opUpdateContextItem}, func(server string) (*http.Request, error) {
		return gen.NewUpdateContextItemRequestWithBody(server, uid, p, "application/json", bytes.NewReader(raw))
	})
}

// contextItemPatch is the body Context.Update sends, without its null
// fields, and the updateMask its fields make: the JSON names of every field
// body sets, nulls included, but contextType, which only qualifies content.
func contextItemPatch(body UpdateContextItemRequest) (raw []byte, mask string, err error) {
	all, err := json.Marshal(body)
	if err != nil {
		return nil, "", fmt.Errorf("modus: cannot encode the context item update: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(all, &fields); err != nil {
		return nil, "", fmt.Errorf("modus: cannot encode the context item update: %w", err)
	}
	names := make([]string, 0, len(fields))
	for name, v := range fields {
		if name != "contextType" {
			names = append(names, name)
		}
		if string(v) == "null" {
			delete(fields, name)
		}
	}
	slices.Sort(names)
	raw, err = json.Marshal(fields)
	if err != nil {
		return nil, "", fmt.Errorf("modus: cannot encode the context item update: %w", err)
	}
	return raw, strings.Join(names, ","), nil
}

// Delete deletes a user-created context item (note, link or saved query)
// for good. Items brought in by integrations cannot be deleted here: they
// answer ErrUnprocessable; a missing item answers ErrNotFound.
func (s *ContextService) Delete(ctx context.Context, uid string, opts ...Option) (*DeletedContextItem, error) {
	if err := checkID("DeleteContextItem", "uid", uid); err != nil {
		return nil, err
	}
	return call[DeletedContextItem](ctx, s.c, opts, route{op: opDeleteContextItem, ids: [2]string{uid}, plain: true}, func(server string) (*http.Request, error) {
		return gen.NewDeleteContextItemRequest(server, uid)
	})
}
