// Package atomicfile writes files so that a reader of the final path sees
// either nothing (or the previous file) or the whole new file, never a part.
//
// A write goes to a hidden temporary file in the destination's directory
// (".<name>.fanout-tmp-<random>"), is flushed with fsync, closed, renamed over
// the destination, and the directory is fsynced so that the rename itself
// survives a crash. On any error, and when the writer gives up (a cancelled
// context, [File.Abort]), the temporary file is removed. Renames within one
// directory are atomic on POSIX file systems and on NTFS.
//
// A process killed outright (SIGKILL, power loss) cannot remove its temporary
// files; [CleanTemp] removes such leftovers at the start of the next run.
package atomicfile
