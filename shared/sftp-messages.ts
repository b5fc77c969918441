// The person-facing sentences for the SFTP_ codes, in English and Simplified
// Chinese. Main sends the English one as the error's message (shared/errors.ts,
// "Who writes the sentence"); the page may show the zh-CN one by code.
// Specifics (a name, an errno) travel in the error's details, never spliced
// into these sentences, so both languages stay whole.
import type { SftpErrorCode } from './errors.js';

/** The person-facing sentence for each SFTP_ code: English (sent as the error message) and zh-CN. */
export const SFTP_MESSAGES: Record<SftpErrorCode, { en: string; 'zh-CN': string }> = {
  SFTP_UNAVAILABLE: {
    en: 'This server does not offer file transfer (SFTP). Ask its administrator to enable the sftp subsystem.',
    'zh-CN': '此服务器不提供文件传输（SFTP）。请联系管理员启用 sftp 子系统。',
  },
  SFTP_NO_SESSION: {
    en: 'This file browser is no longer connected. Open it again.',
    'zh-CN': '此文件浏览器已断开连接。请重新打开。',
  },
  SFTP_NOT_FOUND: {
    en: 'That file or folder does not exist on the server (any more). Refresh the folder.',
    'zh-CN': '服务器上不存在该文件或文件夹（可能已被删除）。请刷新文件夹。',
  },
  SFTP_PERMISSION_DENIED: {
    en: 'The server refused: your account may not do that here.',
    'zh-CN': '服务器拒绝了操作：您的账户无权在此执行该操作。',
  },
  SFTP_EXISTS: {
    en: 'Something with that name already exists there. Choose another name.',
    'zh-CN': '该位置已存在同名项目。请换一个名称。',
  },
  SFTP_FAILURE: {
    en: 'The server could not do that (a folder that is not empty, a full disk, or a name it does not allow).',
    'zh-CN': '服务器无法完成该操作（文件夹非空、磁盘已满或名称不被允许）。',
  },
  SFTP_PROTOCOL: {
    en: 'The server sent something that is not valid SFTP, so Hostdeck stopped. Nothing more was written.',
    'zh-CN': '服务器发送了无效的 SFTP 数据，Hostdeck 已停止。没有写入更多内容。',
  },
  SFTP_LISTING_TOO_LONG: {
    en: 'This folder has too many entries to list (or the server never ends the listing).',
    'zh-CN': '此文件夹条目过多，无法列出（或服务器的列表永不结束）。',
  },
  SFTP_LINK_LOOP: {
    en: 'These symbolic links point at each other in a loop; there is nothing to open.',
    'zh-CN': '这些符号链接相互指向，形成循环；无法打开。',
  },
  SFTP_UNSAFE_NAME: {
    en: 'The server sent a name that cannot be used safely on this computer, so that item was skipped.',
    'zh-CN': '服务器发送的名称无法在本机安全使用，已跳过该项目。',
  },
  SFTP_SIZE_CHANGED: {
    en: 'The file changed size while it was being transferred (or the server misreported it). Try again.',
    'zh-CN': '传输过程中文件大小发生了变化（或服务器报告有误）。请重试。',
  },
  SFTP_LOCAL_IO: {
    en: 'Hostdeck could not read or write the file on this computer. Check the disk space and permissions.',
    'zh-CN': 'Hostdeck 无法读写本机上的文件。请检查磁盘空间和权限。',
  },
  SFTP_LOCAL_HANDLE_UNKNOWN: {
    en: 'Choose the local file or folder again (through the dialog or by dropping it).',
    'zh-CN': '请重新选择本地文件或文件夹（通过对话框或拖放）。',
  },
  SFTP_NO_LOCAL_FILES: {
    en: 'In the browser, files are uploaded and downloaded by the browser itself, not picked by Hostdeck.',
    'zh-CN': '在浏览器中，文件由浏览器本身上传和下载，而不是由 Hostdeck 选择。',
  },
  SFTP_PLAN_UNKNOWN: {
    en: 'That delete request expired. Select the items and delete again.',
    'zh-CN': '该删除请求已过期。请重新选择项目并删除。',
  },
  SFTP_TRANSFER_UNKNOWN: {
    en: 'That transfer is no longer in the list.',
    'zh-CN': '该传输已不在列表中。',
  },
  SFTP_QUESTION_UNKNOWN: {
    en: 'That question was already answered or withdrawn.',
    'zh-CN': '该问题已被回答或撤回。',
  },
  SFTP_CLOSED: {
    en: 'The connection to the server closed during the file operation. Reconnect and retry.',
    'zh-CN': '文件操作期间与服务器的连接已关闭。请重新连接并重试。',
  },
  SFTP_CANCELLED: {
    en: 'The transfer was cancelled.',
    'zh-CN': '传输已取消。',
  },
  SFTP_PAGE_GONE: {
    en: 'The browser page that held these files closed or stopped sending them. Start the transfer again from the page.',
    'zh-CN': '持有这些文件的浏览器页面已关闭或停止发送。请从页面重新开始传输。',
  },
  SFTP_PAUSE_UNSUPPORTED: {
    en: 'A download into the browser cannot be paused. Let it finish, or cancel it and download again later.',
    'zh-CN': '下载到浏览器的传输无法暂停。请等待其完成，或取消后稍后重新下载。',
  },
};
