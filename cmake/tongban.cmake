# Helpers shared by every target of the tree.

# tongban_library(NAME <name> SOURCES ... DEPS ...)
# A foundation library under libs/<name>: public headers in include/tongban/<name>/,
# sources in src/. Target tongban_<name>, alias tongban::<name>.
function(tongban_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(tongban_${ARG_NAME} ${ARG_SOURCES})
  add_library(tongban::${ARG_NAME} ALIAS tongban_${ARG_NAME})
  target_include_directories(tongban_${ARG_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(tongban_${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
endfunction()

# tongban_program(<target>): an executable that serves or generates load, linked with the
# allocator TONGBAN_ALLOCATOR names, and with its settings. Nothing calls jemalloc by name, so
# the linker must not drop it as unneeded: its malloc replaces glibc's only when it is loaded.
function(tongban_program target)
  if(TONGBAN_ALLOCATOR STREQUAL "jemalloc")
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/cmake/jemalloc_conf.c)
    target_link_libraries(${target} PRIVATE "$<LINK_LIBRARY:tongban_no_as_needed,${TONGBAN_JEMALLOC_LIBRARY}>")
  endif()
endfunction()
set(CMAKE_LINK_LIBRARY_USING_tongban_no_as_needed
    "LINKER:--push-state,--no-as-needed" "<LINK_ITEM>" "LINKER:--pop-state")
set(CMAKE_LINK_LIBRARY_USING_tongban_no_as_needed_SUPPORTED TRUE)

# tongban_test(NAME <name> LABEL unit|integration|e2e|fault SOURCES ... DEPS ... [TIMEOUT s])
# One GoogleTest binary registered with CTest under a label, so a developer can run
# one layer (`ctest -L unit`).
function(tongban_test)
  cmake_parse_arguments(ARG "" "NAME;LABEL;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME} --gtest_color=no)
  set_tests_properties(${ARG_NAME} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT})
endfunction()

# tongban_benchmark(NAME <name> SOURCES ... DEPS ...): a Google Benchmark program.
function(tongban_benchmark)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS" ${ARGN})
  if(TONGBAN_BENCHMARKS)
    add_executable(${ARG_NAME} ${ARG_SOURCES})
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  endif()
endfunction()

# tongban_embed_text(OUT <var> FILE <path> SYMBOL <ns::function>)
# Generates a source defining `std::string_view ns::function()` with the file's text, so a
# binary carries its OpenAPI document (or other data) without files beside it. Sets <var>
# to the generated source path for the caller's target sources.
function(tongban_embed_text)
  cmake_parse_arguments(ARG "" "OUT;FILE;SYMBOL" "" ${ARGN})
  get_filename_component(input ${ARG_FILE} ABSOLUTE)
  get_filename_component(stem ${ARG_FILE} NAME_WE)
  string(REPLACE "::" "_" tag ${ARG_SYMBOL})
  set(output ${CMAKE_CURRENT_BINARY_DIR}/embedded_${tag}.cpp)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DIN=${input} -DOUT=${output} -DSYMBOL=${ARG_SYMBOL}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake
    COMMENT "Embedding ${ARG_FILE}"
    VERBATIM)
  set(${ARG_OUT} ${output} PARENT_SCOPE)
endfunction()
