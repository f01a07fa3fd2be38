# assemble.cmake: cmake -P script run by skeletons/CMakeLists.txt.
#
#   -DTEMPLATES=dir -DOUTPUT=dir                  copy the templates
#   -DTEMPLATES=dir -DSKELETON=dir -DSERVICE=bin -DOUTPUT=dir
#                                                 assemble a skeleton
#
# OUTPUT is rebuilt from scratch (in OUTPUT.tmp, then renamed) so that a file
# deleted from the sources disappears from the build tree too.
foreach(var TEMPLATES OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "assemble.cmake: -D${var}= is required")
  endif()
endforeach()

set(tmp ${OUTPUT}.tmp)
file(REMOVE_RECURSE ${tmp})
file(MAKE_DIRECTORY ${tmp})

# The plain files of a source directory; CMake files never ship.
function(copy_files src dest)
  file(GLOB entries LIST_DIRECTORIES false ${src}/*)
  foreach(entry ${entries})
    get_filename_component(name ${entry} NAME)
    if(name MATCHES "^CMakeLists\\.txt$" OR name MATCHES "\\.cmake$")
      continue()
    endif()
    # file(COPY) skips a file whose copy has the same timestamp: remove the
    # template first so that the skeleton's file always wins.
    file(REMOVE_RECURSE ${dest}/${name})
    file(COPY ${entry} DESTINATION ${dest})
  endforeach()
endfunction()

copy_files(${TEMPLATES} ${tmp})

if(DEFINED SKELETON)
  if(NOT DEFINED SERVICE)
    message(FATAL_ERROR "assemble.cmake: -DSERVICE= is required with -DSKELETON=")
  endif()
  copy_files(${SKELETON} ${tmp})
  # Mount points for config.json.template's mounts (the rootfs is read-only,
  # so runc cannot create them), and the usual top-level directories.
  foreach(dir proc dev sys tmp etc run var usr/bin)
    file(MAKE_DIRECTORY ${tmp}/rootfs/${dir})
  endforeach()
  file(COPY ${SERVICE} DESTINATION ${tmp}/rootfs/usr/bin
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                        WORLD_READ WORLD_EXECUTE)
endif()

file(REMOVE_RECURSE ${OUTPUT})
file(RENAME ${tmp} ${OUTPUT})
