package sse_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/modus-data/modus-sdk-go/sse"
)

func ExampleDecoder() {
	stream := "id: 1\nevent: greeting\ndata: hello\n\nid: 2\ndata: world\n\n"
	d := sse.NewDecoder(strings.NewReader(stream))
	for {
		ev, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Printf("%s %s %s\n", ev.ID, ev.Type, ev.Data)
	}
	// Output:
	// 1 greeting hello
	// 2 message world
}

// NextData suits a consumer that reads only ids and data, as most API
// streams need: it skips building an Event per event.
func ExampleDecoder_NextData() {
	stream := "id: 7\ndata: {\"n\":1}\n\nid: 8\ndata: {\"n\":2}\n\n"
	d := sse.NewDecoder(strings.NewReader(stream))
	for {
		id, data, err := d.NextData()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(id, string(data))
	}
	fmt.Println("resume after", d.LastEventID())
	// Output:
	// 7 {"n":1}
	// 8 {"n":2}
	// resume after 8
}
