-- The admin panel's own tables. On its database they exist already and these statements do
-- nothing; a standalone install gets the minimal versions.

-- Minimal users table: the admin panel's table has more columns; the studio reads only these.
CREATE TABLE IF NOT EXISTS users (
    id INT NOT NULL AUTO_INCREMENT,
    username VARCHAR(64) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY uq_users_username (username)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;

-- The product owner's table, column for column.
CREATE TABLE IF NOT EXISTS aigc_tasks (
    id INT NOT NULL AUTO_INCREMENT,
    user_id INT NOT NULL,
    task_type ENUM('remove_defect', 'crop_png', 'crop_white_bg', 'resize', 'watermark',
                   'face_swap', 'multi_angle', 'other') NOT NULL,
    task_params JSON NULL,
    original_path VARCHAR(500) NULL,
    result_url VARCHAR(500) NULL,
    result_data TEXT NULL,
    task_status ENUM('pending', 'processing', 'completed', 'failed') NOT NULL DEFAULT 'pending',
    process_status ENUM('success', 'failed') NULL,
    PRIMARY KEY (id),
    KEY idx_aigc_tasks_user (user_id),
    CONSTRAINT fk_aigc_tasks_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4;
