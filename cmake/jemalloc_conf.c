/* jemalloc's settings for a tongban program (tongban_program in cmake/tongban.cmake): jemalloc
 * reads this symbol when it starts; MALLOC_CONF in the environment still overrides it.
 *  - background_thread, dirty_decay_ms, muzzy_decay_ms: a thread of jemalloc's own hands pages
 *    freed for a second back to the system, so a service idle after a burst (a topic's history
 *    read at start, a load peak) shrinks back to what it holds;
 *  - narenas: two arenas, not four per core: a service has one or two busy threads, and each
 *    arena keeps its own partly used pages.
 * Measured in docs/performance.md ("The allocator"). */
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2";
