# What `cmake --install` (and so the Debian package) puts next to the binaries: the docs and
# examples, the overlay daemon's systemd unit, and man pages for the commands in PATH.
set(CNIPP_DOC_DIR share/doc/cnipp)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CNIPP_DOC_DIR})
file(GLOB CNIPP_DOCS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CNIPP_DOCS} DESTINATION ${CNIPP_DOC_DIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/conf-examples/ DESTINATION ${CNIPP_DOC_DIR}/examples)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/systemd/overlay.env.example
        DESTINATION ${CNIPP_DOC_DIR}/examples/overlay RENAME NAME.env.example)
# <prefix>/lib/systemd/system: /usr/lib/systemd/system in the package, one of systemd's own
# unit directories.
install(FILES ${CMAKE_SOURCE_DIR}/packaging/systemd/cnipp-overlayd@.service DESTINATION lib/systemd/system)

# Man pages from each command's --help (help2man), when help2man is there and the binaries
# are not sanitizer builds.
find_program(HELP2MAN help2man)
if(HELP2MAN AND NOT CNIPP_SANITIZE)
  set(CNIPP_MAN_PAGES)
  foreach(entry "cnitool:1:run CNI network configuration lists against network namespaces"
                "cnipp-overlayctl:8:manage cnipp VXLAN overlay networks in ZooKeeper"
                "cnipp-overlayd:8:per-agent daemon of a cnipp VXLAN overlay network")
    string(REPLACE ":" ";" parts "${entry}")
    list(GET parts 0 prog)
    list(GET parts 1 section)
    list(GET parts 2 summary)
    if(NOT TARGET ${prog})
      continue()
    endif()
    set(page ${CMAKE_BINARY_DIR}/man/${prog}.${section})
    add_custom_command(OUTPUT ${page}.gz
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section=${section} --name=${summary}
              --version-string=${PROJECT_VERSION} --output=${page} $<TARGET_FILE:${prog}>
      COMMAND gzip -9nf ${page}
      DEPENDS ${prog} VERBATIM)
    list(APPEND CNIPP_MAN_PAGES ${page}.gz)
    install(FILES ${page}.gz DESTINATION share/man/man${section})
  endforeach()
  add_custom_target(manpages ALL DEPENDS ${CNIPP_MAN_PAGES})
endif()
